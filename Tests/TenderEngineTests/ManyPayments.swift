import Testing

/// The tests that push hundreds of payments through engines. They run one after another, so that
/// none of them slows another past its deadlines on a small machine.
@Suite("Many payments", .serialized)
struct ManyPayments {}
