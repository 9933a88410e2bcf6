import GRDB
import ReplicationCore
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

    /// Shared columns are bound once and stay for every row (and a second binder of the same
    /// cached statement binds its own); an id goes in as its 40 hex digits, a missing one as NULL.
    @Test func sharedColumnsStayForEveryRowAndIdsGoInAsHex() throws {
        let id = ObjectID(hex: "0123456789abcdef0123456789abcdef01234567")!
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (owner TEXT NOT NULL, at REAL NOT NULL, name TEXT NOT NULL, id TEXT)")
            for (owner, ids) in [("first", [id, nil]), ("second", [nil, id])] as [(String, [ObjectID?])] {
                var rows = try SQLiteRows("INSERT INTO t (owner, at, name, id) VALUES (?, ?, ?, ?)", in: db)
                rows.bindShared { rows in
                    rows.bind(owner)
                    rows.bind(owner == "first" ? 1.0 : 2.0)
                }
                for (index, rowID) in ids.enumerated() {
                    rows.bind("\(owner)-\(index)")
                    rows.bind(hexOf: rowID)
                    try rows.insert()
                }
            }
        }
        let stored = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM t ORDER BY rowid") }
        #expect(stored.map { $0["owner"] as String } == ["first", "first", "second", "second"])
        #expect(stored.map { $0["at"] as Double } == [1, 1, 2, 2])
        #expect(stored.map { $0["name"] as String } == ["first-0", "first-1", "second-0", "second-1"])
        #expect(stored.map { $0["id"] as String? } == [id.hex, nil, nil, id.hex])
    }
}
