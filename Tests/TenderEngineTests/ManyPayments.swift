import Testing

/// The tests that push hundreds of payments through engines. They run one after another and alone
/// among the gated tests, so that nothing slows them past their deadlines on a small machine.
@Suite("Many payments", .serialized, .heavy)
struct ManyPayments {}
