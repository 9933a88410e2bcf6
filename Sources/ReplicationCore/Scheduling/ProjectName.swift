/// Checks names that arrive from outside (events, hooks) before they touch a path or a URL.
package enum ProjectName {
    /// Why `name` cannot be a project under `gerrit.basePath`, or `nil` when it can.
    package static func problem(with name: String) -> String? {
        if name.isEmpty { return "empty name" }
        if name.hasPrefix("/") { return "absolute paths escape gerrit.basePath" }
        if name.hasPrefix("~") { return "a leading '~' would make git and the shell expand a home directory" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "control characters are not allowed"
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: { $0 == ".." }) { return "'..' escapes gerrit.basePath" }
        if components.contains(where: { $0.isEmpty || $0 == "." }) { return "empty or '.' path components" }
        if components.contains(where: { $0.hasSuffix(".git") }) {
            return "a project name never ends in '.git' (that is its repository directory's suffix)"
        }
        return nil
    }

    /// Why `ref` is not a ref name git would accept: every rule of `git check-ref-format` (without
    /// `--allow-onelevel` or `--refspec-pattern`), plus the `refs/` prefix events must have.
    package static func refProblem(with ref: String) -> String? {
        guard ref.hasPrefix("refs/") else { return "must start with refs/" }
        if ref.hasSuffix("/") { return "must not end with '/'" }
        if ref.hasSuffix(".") { return "must not end with '.'" }
        if ref.contains("..") { return "must not contain '..'" }
        if ref.contains("//") { return "must not contain an empty component ('//')" }
        if ref.contains("@{") { return "must not contain '@{'" }
        let forbidden: Set<Unicode.Scalar> = [" ", "~", "^", ":", "?", "*", "[", "\\"]
        if let bad = ref.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F || forbidden.contains($0) })
        {
            return "must not contain \(bad.value < 0x20 || bad.value == 0x7F ? "control characters" : "'\(bad)'")"
        }
        for component in ref.split(separator: "/") {
            if component.hasPrefix(".") { return "no component may begin with '.' ('\(component)')" }
            if component.hasSuffix(".lock") { return "no component may end with '.lock' ('\(component)')" }
        }
        return nil
    }
}
