import Mustache

/// The console's templates and stylesheet, embedded in the binary.
enum ConsoleTemplates {
    /// Every page, with the `head` and `foot` partials.
    static let library: MustacheLibrary = {
        let sources: [String: [UInt8]] = [
            "head": PackageResources.head_mustache, "foot": PackageResources.foot_mustache, "login": PackageResources.login_mustache,
            "overview": PackageResources.overview_mustache, "payments": PackageResources.payments_mustache,
            "payment": PackageResources.payment_mustache,
        ]
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            do {
                try library.register(String(decoding: bytes, as: UTF8.self), named: name)
            } catch {
                // The templates are part of the build; a test renders every one.
                preconditionFailure("the console template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// The stylesheet.
    static let stylesheet = String(decoding: PackageResources.style_css, as: UTF8.self)
}
