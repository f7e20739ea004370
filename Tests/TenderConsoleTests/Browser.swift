import Foundation
import HummingbirdWSClient
import Logging

/// A headless Chromium driven over the DevTools protocol, for browser tests.
///
/// ```swift
/// let greeting = try await Browser.run { browser in
///     try await browser.open("http://localhost:8080/")
///     return try await browser.text()
/// }
/// ```
public actor Browser {
    /// How long a single DevTools command may take.
    private static let commandTimeout: Duration = .seconds(30)
    /// How long a navigation may take to load the next document.
    private static let loadTimeout: Duration = .seconds(30)
    /// The largest DevTools message accepted (screenshots arrive as one base64 message).
    private static let maxMessageSize = 1 << 27

    private let logger: Logger
    /// DevTools messages waiting to be written to the WebSocket.
    private let outgoing: AsyncStream<String>.Continuation
    private var pending: [Int: PendingCommand] = [:]
    private var lastCommandID = 0
    private var lastDocumentTag = 0
    /// The flattened DevTools session of the page, once attached.
    private var sessionID: String?
    /// Why the connection ended, once it has.
    private var failure: BrowserError?

    private init(outgoing: AsyncStream<String>.Continuation, logger: Logger) {
        self.outgoing = outgoing
        self.logger = logger
    }

    /// Starts Chromium (a fresh `--user-data-dir` in a temporary directory, `--headless=new`, `--no-sandbox` when root,
    /// `--remote-debugging-port=0`, `--window-size` from `windowSize`), runs `body` with a browser on one page (tab),
    /// and always quits Chromium and removes the temporary directory, whether `body` returned or threw.
    ///
    /// Throws ``BrowserError/notInstalled`` when Chromium is not installed
    /// and ``BrowserError/didNotStart(_:)`` when it does not start within 30 seconds.
    public static func run<T: Sendable>(
        windowSize: (width: Int, height: Int) = (1280, 900),
        _ body: (Browser) async throws -> T
    ) async throws -> T {
        let chromium = try Chromium.launch(windowSize: windowSize)
        do {
            let result = try await session(with: chromium, body)
            await chromium.quit()
            return result
        } catch {
            await chromium.quit()
            throw error
        }
    }

    /// Connects to the launched Chromium, opens a page and runs `body`, closing the browser afterwards.
    private static func session<T: Sendable>(with chromium: Chromium, _ body: (Browser) async throws -> T) async throws -> T {
        let endpoint = try await chromium.devToolsEndpoint()
        let (messages, outgoing) = AsyncStream.makeStream(of: String.self)
        let browser = Browser(outgoing: outgoing, logger: Logger(label: "BrowserKit"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await browser.connect(to: endpoint, sending: messages) }
            defer { group.cancelAll() }
            do {
                try await browser.openPage()
                let result = try await body(browser)
                await browser.close()
                return result
            } catch {
                await browser.close()
                throw error
            }
        }
    }

    /// Navigates to `url` and waits until the new document has loaded.
    public func open(_ url: String) async throws {
        let tag = nextDocumentTag()
        try await evaluate("document.__browserKitTag = \(tag)")
        let navigation: Navigation = try await send("Page.navigate", ["url": .string(url)])
        if let errorText = navigation.errorText {
            throw BrowserError.navigationFailed(url: url, reason: errorText)
        }
        try await waitForDocument(replacing: tag)
    }

    /// Fills the form matched by the CSS `selector` (`fields`: input, select or textarea name -> value),
    /// submits it (`form.requestSubmit()`, or `submit()` where unsupported) and waits until the next document has loaded.
    ///
    /// Throws ``BrowserError/javaScript(_:)`` when no form matches, a field is missing or the form is invalid.
    public func submit(form selector: String, fields: [String: String]) async throws {
        let tag = nextDocumentTag()
        let selector = try JSON.string(selector).text()
        let fields = try JSON.object(fields.mapValues(JSON.string)).text()
        try await evaluate(
            """
            (() => {
              const form = document.querySelector(\(selector));
              if (!(form instanceof HTMLFormElement)) throw new Error(`no form matches ${\(selector)}`);
              for (const [name, value] of Object.entries(\(fields))) {
                const field = form.elements.namedItem(name);
                if (!field) throw new Error(`the form has no field named ${name}`);
                field.value = value;
              }
              if (!form.checkValidity()) {
                const problems = [...form.elements].filter(e => e.validationMessage).map(e => `${e.name}: ${e.validationMessage}`);
                throw new Error(`the form is invalid: ${problems.join('; ')}`);
              }
              document.__browserKitTag = \(tag);
              form.requestSubmit ? form.requestSubmit() : form.submit();
            })()
            """
        )
        try await waitForDocument(replacing: tag)
    }

    /// Evaluates a JavaScript expression (awaiting it if it is a promise) and returns its value as a string:
    /// strings as they are, other values as JSON text (object keys sorted), `nil` for `undefined` and `null`.
    ///
    /// Throws ``BrowserError/javaScript(_:)`` when the expression throws.
    @discardableResult
    public func evaluate(_ expression: String) async throws -> String? {
        let evaluation: Evaluation = try await send(
            "Runtime.evaluate",
            ["expression": .string(expression), "returnByValue": true, "awaitPromise": true]
        )
        if let exception = evaluation.exceptionDetails {
            throw BrowserError.javaScript(exception.exception?.description ?? exception.text)
        }
        switch evaluation.result.value {
        case .string(let string): return string
        case let value?: return try value.text()
        case nil: return evaluation.result.unserializableValue
        }
    }

    /// The current document's HTML (`document.documentElement.outerHTML`).
    public func dom() async throws -> String {
        try await evaluate("document.documentElement.outerHTML") ?? ""
    }

    /// The visible text of the page (`document.body.innerText`).
    public func text() async throws -> String {
        try await evaluate("document.body?.innerText") ?? ""
    }

    /// The current URL.
    public func url() async throws -> String {
        try await evaluate("location.href") ?? ""
    }

    /// The cookies of the current page (`Network.getCookies`), including HttpOnly ones.
    public func cookies() async throws -> [BrowserCookie] {
        let reply: Cookies = try await send("Network.getCookies")
        return reply.cookies
    }

    /// A PNG screenshot of the page; `fullPage` captures the whole document, beyond the viewport.
    public func screenshot(fullPage: Bool = true) async throws -> [UInt8] {
        var parameters: [String: JSON] = ["format": "png"]
        if fullPage {
            let metrics: LayoutMetrics = try await send("Page.getLayoutMetrics")
            let size = metrics.cssContentSize
            parameters["captureBeyondViewport"] = true
            parameters["clip"] = .object([
                "x": .number(0), "y": .number(0), "width": .number(size.width), "height": .number(size.height), "scale": .number(1),
            ])
        }
        let screenshot: Screenshot = try await send("Page.captureScreenshot", parameters)
        guard let png = Data(base64Encoded: screenshot.data) else {
            throw BrowserError.commandFailed("Page.captureScreenshot: the image is not valid base64")
        }
        return [UInt8](png)
    }

    // MARK: Page

    /// Opens the page the browser drives: a new target, attached as a flattened session.
    private func openPage() async throws {
        let target: CreatedTarget = try await send("Target.createTarget", ["url": "about:blank"], toBrowser: true)
        let attached: AttachedTarget = try await send(
            "Target.attachToTarget",
            ["targetId": .string(target.targetId), "flatten": true],
            toBrowser: true
        )
        sessionID = attached.sessionId
    }

    /// Asks Chromium to quit; it closes the connection as it goes.
    private func close() async {
        let _: Empty? = try? await send("Browser.close", toBrowser: true, timeout: .seconds(5))
    }

    private func nextDocumentTag() -> Int {
        lastDocumentTag += 1
        return lastDocumentTag
    }

    /// Polls until the document tagged with `tag` has been replaced by one that has finished loading.
    private func waitForDocument(replacing tag: Int) async throws {
        let deadline = ContinuousClock.now + Self.loadTimeout
        while true {
            do {
                let loaded = try await evaluate("document.__browserKitTag !== \(tag) && document.readyState === 'complete'")
                if loaded == "true" { return }
            } catch BrowserError.commandFailed, BrowserError.javaScript {
                // The old document went away during the evaluation; ask the next one.
            }
            guard ContinuousClock.now < deadline else {
                throw BrowserError.timedOut("loading the next document")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: DevTools connection

    /// A command sent to Chromium, waiting for its response.
    private struct PendingCommand {
        let method: String
        let continuation: CheckedContinuation<Data, any Error>
        let timeout: Task<Void, Never>
    }

    /// Sends a DevTools command, to the page's session unless `toBrowser`, and decodes its result.
    private func send<Result: Decodable>(
        _ method: String,
        _ parameters: [String: JSON] = [:],
        toBrowser: Bool = false,
        timeout: Duration = commandTimeout
    ) async throws -> Result {
        if let failure { throw failure }
        lastCommandID += 1
        let id = lastCommandID
        let command = DevToolsCommand(id: id, method: method, params: parameters, sessionId: toBrowser ? nil : sessionID)
        let message = String(decoding: try JSONEncoder().encode(command), as: UTF8.self)
        let response = try await withCheckedThrowingContinuation { continuation in
            let timeoutTask = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self.take(id)?.continuation.resume(throwing: BrowserError.timedOut(method))
            }
            pending[id] = PendingCommand(method: method, continuation: continuation, timeout: timeoutTask)
            outgoing.yield(message)
        }
        return try JSONDecoder().decode(DevToolsResponse<Result>.self, from: response).result
    }

    /// Removes the command with `id` from the pending ones, stopping its timeout.
    private func take(_ id: Int) -> PendingCommand? {
        let command = pending.removeValue(forKey: id)
        command?.timeout.cancel()
        return command
    }

    /// Runs the WebSocket to Chromium until it closes, writing `messages` and delivering what arrives.
    private nonisolated func connect(to endpoint: String, sending messages: AsyncStream<String>) async {
        do {
            try await WebSocketClient.connect(
                url: endpoint,
                configuration: .init(maxFrameSize: Self.maxMessageSize),
                logger: logger
            ) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await message in messages {
                            try await outbound.write(.text(message))
                        }
                    }
                    for try await message in inbound.messages(maxSize: Self.maxMessageSize) {
                        if case .text(let text) = message {
                            await self.receive(text)
                        }
                    }
                    group.cancelAll()
                }
            }
            await disconnected(because: "Chromium closed the DevTools connection")
        } catch {
            await disconnected(because: "\(error)")
        }
    }

    /// Resumes the command a response answers; events (messages without an id) are ignored.
    private func receive(_ message: String) {
        let data = Data(message.utf8)
        guard let envelope = try? JSONDecoder().decode(DevToolsEnvelope.self, from: data),
            let id = envelope.id,
            let command = take(id)
        else { return }
        if let error = envelope.error {
            command.continuation.resume(throwing: BrowserError.commandFailed("\(command.method): \(error.message)"))
        } else {
            command.continuation.resume(returning: data)
        }
    }

    /// Fails every pending command and every later one.
    private func disconnected(because reason: String) {
        logger.debug("DevTools connection closed", metadata: ["reason": "\(reason)"])
        let error = BrowserError.disconnected(reason)
        failure = error
        outgoing.finish()
        for id in pending.keys {
            take(id)?.continuation.resume(throwing: error)
        }
    }
}
