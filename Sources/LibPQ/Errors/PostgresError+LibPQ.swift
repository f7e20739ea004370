import CLibPQ

extension PostgresError {
    /// The error a failed `PGresult` reports; `connectionBroken` turns it into
    /// ``Code/connectionLost`` whatever the SQLSTATE.
    init(result: OpaquePointer, connectionBroken: Bool) {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let sqlState = field(CLIBPQ_DIAG_SQLSTATE)
        let code: Code = connectionBroken ? .connectionLost : sqlState.map(Code.forSQLState) ?? .server
        // Without a SQLSTATE the error was made by libpq itself (never from bound values).
        let libpqMessage = sqlState == nil ? Self.firstLine(PQresultErrorMessage(result)) : nil
        self.init(
            code: code,
            sqlState: sqlState,
            constraint: field(CLIBPQ_DIAG_CONSTRAINT_NAME),
            serverMessage: sqlState == nil ? nil : field(CLIBPQ_DIAG_MESSAGE_PRIMARY),
            clientMessage: libpqMessage
        )
    }

    /// An error made from the connection's last libpq message (connection failures).
    init(code: Code, connection: OpaquePointer?) {
        self.init(code: code, clientMessage: Self.firstLine(connection.flatMap { PQerrorMessage($0) }))
    }

    private static func firstLine(_ message: UnsafePointer<CChar>?) -> String? {
        guard let message else { return nil }
        let text = String(cString: message).split(separator: "\n").first.map(String.init) ?? ""
        return text.isEmpty ? nil : text
    }
}
