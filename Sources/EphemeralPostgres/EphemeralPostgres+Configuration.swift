extension EphemeralPostgres {
    /// How a throwaway server is set up. Every property has a documented default.
    public struct Configuration: Sendable {
        /// Whether the server keeps its data safe across a crash.
        public enum Durability: Sendable, Hashable {
            /// For tests: `fsync`, `synchronous_commit` and `full_page_writes` off. A crash of the
            /// machine may lose data, which a throwaway server does not care about.
            case fast
            /// For benchmarks: PostgreSQL's durable defaults, with `max_wal_size = 4GB` so that
            /// checkpoints do not dominate the measurement.
            case durable
        }

        /// Durability of the server. Default: ``Durability/fast``.
        public var durability: Durability
        /// `max_connections` of the server. Default: 200.
        public var maxConnections: Int
        /// Further server settings (`name = value` in `postgresql.conf`); they override the ones
        /// implied by ``durability`` and ``maxConnections``. Default: none.
        public var settings: [String: String]
        /// Directories to look for `initdb`, `pg_ctl` and `createdb` in, in order. Default (`nil`):
        /// `/usr/lib/postgresql/VERSION/bin`, newest version first, then the `PATH`.
        public var binarySearchPaths: [String]?
        /// The process whose death stops the server and removes its files. Default (`nil`): the
        /// current process. It must belong to the same user as the current process.
        public var ownerProcessID: Int32?
        /// Where the cluster's temporary directory is created. Default: `/tmp` (short enough for
        /// the server's Unix socket path, and traversable by the `postgres` user).
        public var parentDirectory: String
        /// The operating-system user that runs the server when the current process is root
        /// (PostgreSQL refuses to run as root). Default: `postgres`.
        public var serverUser: String
        /// Seconds to wait for the server to start or stop. Default: 30.
        public var timeoutSeconds: Int

        /// A configuration with the given durability and the defaults for everything else.
        public init(durability: Durability = .fast) {
            self.durability = durability
            self.maxConnections = 200
            self.settings = [:]
            self.binarySearchPaths = nil
            self.ownerProcessID = nil
            self.parentDirectory = "/tmp"
            self.serverUser = "postgres"
            self.timeoutSeconds = 30
        }

        /// The configuration for tests: fast, not durable.
        public static var fast: Configuration { Configuration(durability: .fast) }

        /// The configuration for benchmarks: durable, with a large WAL.
        public static var durable: Configuration { Configuration(durability: .durable) }

        /// All server settings, in a stable order: the implied ones, then ``settings`` by name.
        var serverSettings: [(name: String, value: String)] {
            var implied: [(name: String, value: String)] = [
                ("max_connections", String(self.maxConnections))
            ]
            switch self.durability {
            case .fast:
                implied += [("fsync", "off"), ("synchronous_commit", "off"), ("full_page_writes", "off")]
            case .durable:
                implied += [("max_wal_size", "4GB")]
            }
            let overridden = Set(self.settings.keys)
            return implied.filter { !overridden.contains($0.name) }
                + self.settings.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        }
    }
}
