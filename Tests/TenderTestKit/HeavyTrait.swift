import Testing

/// Marks a test (or every test of a suite) that loads the machine: it runs alone among the tests
/// that pass through the ``TestGate``.
public struct HeavyTrait: TestTrait, SuiteTrait, TestScoping {
    /// Applies to every test of a marked suite.
    public var isRecursive: Bool { true }

    /// A scope for each test function, none for a suite as a whole.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite ? nil : self
    }

    /// Runs the test holding the whole gate.
    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestGate.exclusively(function)
    }
}

extension Trait where Self == HeavyTrait {
    /// The test loads the machine and runs alone among gated tests; see ``TestGate``.
    public static var heavy: Self { Self() }
}
