import ReplicationCommands

@main
enum Entrypoint {
    static func main() async {
        await ReplicatorCommand.runAsMain()
    }
}
