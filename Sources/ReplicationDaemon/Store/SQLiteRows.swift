import GRDB
import GRDBSQLite
import ReplicationCore

/// Many rows through one prepared statement, bound with SQLite's own calls. GRDB's
/// `execute(arguments:)` boxes every value and checks every binding: storing the end of a first push
/// of 100,000 refs (a status and a notice per ref, 200,000 rows in one transaction) spent 60 % of
/// its half second there. Used only inside a write transaction, for plain inserts.
struct SQLiteRows: ~Copyable {
    private let statement: SQLiteStatement
    private var column: Int32 = 0
    /// The leading columns every row shares, bound once (SQLite keeps a binding across resets).
    private var sharedColumns: Int32 = 0

    /// A statement of `sql` cached in `db`, ready for its first row.
    init(_ sql: String, in db: Database) throws {
        self.statement = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(self.statement)
    }

    /// Binds the values of the first columns, the same for every row: a push's 100,000 ref
    /// statuses copied its project, remote and URL into SQLite 100,000 times.
    mutating func bindShared(_ bindings: (inout SQLiteRows) -> Void) {
        bindings(&self)
        self.sharedColumns = self.column
    }

    mutating func bind(_ text: String?) {
        guard var text else { return self.bindNull() }
        text.withUTF8 { self.bindText($0) }
    }

    /// An id's 40 hex digits as text, or NULL.
    mutating func bind(hexOf id: ObjectID?) {
        guard let id else { return self.bindNull() }
        id.withHex { self.bindText($0) }
    }

    private mutating func bindNull() {
        self.column += 1
        sqlite3_bind_null(self.statement, self.column)
    }

    /// Bound with its length, so that a NUL inside stays; SQLite copies it (SQLITE_TRANSIENT).
    private mutating func bindText(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.column += 1
        bytes.withMemoryRebound(to: CChar.self) { characters in
            guard let start = characters.baseAddress else {
                _ = sqlite3_bind_text(self.statement, self.column, "", 0, Self.transient)  // empty, not NULL
                return
            }
            _ = sqlite3_bind_text(self.statement, self.column, start, Int32(clamping: bytes.count), Self.transient)
        }
    }

    mutating func bind(_ number: Int?) {
        guard let number else { return self.bindNull() }
        self.column += 1
        sqlite3_bind_int64(self.statement, self.column, Int64(number))
    }

    mutating func bind(_ number: Double) {
        self.column += 1
        sqlite3_bind_double(self.statement, self.column, number)
    }

    /// Inserts the row bound since the last one.
    mutating func insert() throws {
        self.column = self.sharedColumns
        let code = sqlite3_step(self.statement)
        sqlite3_reset(self.statement)
        guard code == SQLITE_DONE else {
            let message = sqlite3_errmsg(sqlite3_db_handle(self.statement)).map { String(cString: $0) }
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code),
                message: message,
                sql: sqlite3_sql(self.statement).map { String(cString: $0) }
            )
        }
    }

    /// `SQLITE_TRANSIENT`, a macro Swift does not import: SQLite copies the value before returning.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
