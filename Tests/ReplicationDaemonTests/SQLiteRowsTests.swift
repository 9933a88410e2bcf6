import GRDB
import Testing

@testable import ReplicationDaemon

/// The bulk binder the store's big writes use, on a real SQLite database.
struct SQLiteRowsTests {
    @Test func storesEachValueAsBoundAndReportsAFailedRow() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (name TEXT NOT NULL, count INTEGER, at REAL NOT NULL)")
            var rows = try SQLiteRows("INSERT INTO t (name, count, at) VALUES (?, ?, ?)", in: db)
            for (name, count) in [("a\u{0}b", 1), ("", nil), ("é€𝄞", -7)] as [(String, Int?)] {
                rows.bind(name)
                rows.bind(count)
                rows.bind(1.5)
                try rows.insert()
            }
            rows.bind(nil as String?)
            rows.bind(2)
            rows.bind(2.5)
            let failure = #expect(throws: DatabaseError.self) { try rows.insert() }
            #expect(failure?.resultCode == .SQLITE_CONSTRAINT)
            rows.bind("after")
            rows.bind(3)
            rows.bind(3.5)
            try rows.insert()  // the statement is usable after a failed row
        }
        let stored = try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT name, count, at, length(CAST(name AS BLOB)) AS bytes FROM t ORDER BY rowid"
            )
        }
        // GRDB reads text up to a NUL; its length in bytes shows what was stored.
        #expect(stored.map { $0["name"] as String } == ["a", "", "é€𝄞", "after"])
        #expect(stored.map { $0["count"] as Int? } == [1, nil, -7, 3])
        #expect(stored.map { $0["at"] as Double } == [1.5, 1.5, 1.5, 3.5])
        #expect(stored.map { $0["bytes"] as Int } == [3, 0, 9, 5], "stored by bytes: the NUL stays, multibyte counts")
    }
}
