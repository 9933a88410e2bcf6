import GRDB

extension Database {
    /// Runs `sql` through the connection's statement cache: parsed and planned once, not on every
    /// call as `execute(sql:)` does. For the statements every push runs (about forty a push; SQLite's
    /// parser was among the store's busiest functions in a 600-project sync's profile).
    func run(cached sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try self.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// The rows `sql` selects, through the connection's statement cache.
    func rows(cached sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(self.cachedStatement(sql: sql), arguments: arguments)
    }
}
