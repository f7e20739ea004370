extension EphemeralPostgres {
    /// What a client program printed and how it ended.
    public struct ProgramResult: Sendable {
        /// The exit status, or 128 plus the number of the signal that ended the program.
        public var status: Int32
        /// Standard output and standard error, interleaved.
        public var output: String
    }

    /// Runs one of PostgreSQL's client programs (`pgbench`, `psql`, …) from the first directory
    /// that holds it, awaited off the cooperative pool, with no signal blocked (`pgbench -T` ends
    /// on `SIGALRM`) and no descriptor of this process inherited.
    ///
    /// - Parameters:
    ///   - program: the program's name, e.g. `pgbench`.
    ///   - arguments: its arguments, connection options included.
    ///   - searchPaths: where to look, or `nil` for `/usr/lib/postgresql/*/bin` and `PATH`.
    public static func runClientProgram(_ program: String, _ arguments: [String], searchPaths: [String]? = nil) async throws -> ProgramResult {
        let binaries = try PostgresBinaries.locate(required: [program], searchPaths: searchPaths, serverUser: "postgres")
        let result = try await binaries.clientCommand(program, arguments).run()
        return ProgramResult(status: result.status, output: result.output)
    }
}
