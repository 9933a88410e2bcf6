import ReplicationCore
import Testing

struct GerritGroupsTests {
    @Test func readsGerritsGroupsFileByNameAndUUID() {
        let groups = GerritGroups(
            parsing: """
                # UUID                                  \tGroup Name
                #
                global:Anonymous-Users                  \tAnonymous Users
                8a7c4b1e2f3d4c5b6a7980f1e2d3c4b5a6978f0e\tmediawiki-replication
                no tab on this line
                """
        )
        #expect(groups.names.count == 2)
        #expect(groups.contains("mediawiki-replication") && groups.contains("Anonymous Users"))
        #expect(groups.contains("8a7c4b1e2f3d4c5b6a7980f1e2d3c4b5a6978f0e"), "a UUID names its group too")
        #expect(!groups.contains("mediawiki") && !groups.contains("# UUID"))
    }
}
