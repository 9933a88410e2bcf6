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

    /// Why `ref` is not a ref name git would accept (`git check-ref-format`, the common rules).
    package static func refProblem(with ref: String) -> String? {
        guard ref.hasPrefix("refs/") else { return "must start with refs/" }
        if ref.hasSuffix("/") || ref.hasSuffix(".lock") || ref.hasSuffix(".") { return "invalid ending" }
        if ref.contains("..") || ref.contains("//") || ref.contains("@{") { return "invalid sequence" }
        let forbidden: Set<Unicode.Scalar> = [" ", "~", "^", ":", "?", "*", "[", "\\"]
        if ref.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || forbidden.contains($0) }) {
            return "invalid character"
        }
        return nil
    }
}
