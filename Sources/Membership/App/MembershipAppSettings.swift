/// What the insuree mobile app's configuration document (`GET /api/membership/config`) takes from the deployment
/// rather than from the database: the support address, who runs the service, the partners shown on the home screen
/// and the languages offered. Family types, confirmation types and contribution requirements come from the database.
public struct MembershipAppSettings: Sendable, Hashable {
    /// A partner shown on the app's home screen.
    public struct Partner: Sendable, Hashable {
        public var name: String
        /// An absolute URL of its logo.
        public var logo: String

        public init(name: String, logo: String) {
            self.name = name
            self.logo = logo
        }
    }

    /// The version the app is told it talks to (`app_version`).
    public var appVersion: String
    /// The address the app shows for support (`support_email`); empty when none is configured.
    public var supportEmail: String
    /// Who runs the service (`develop_by`).
    public var operatorName: String
    public var partners: [Partner]
    /// The ISO 4217 code of the contributions (`Currency`; the deployment's `CURRENCY`).
    public var currency: String
    /// The app's interface texts per locale (`en_US`, `fr_FR`, ...): key → text.
    public var languages: [String: [String: String]]

    public init(appVersion: String = "1.0.0", supportEmail: String = "", operatorName: String = "openIMIS",
                partners: [Partner] = [], languages: [String: [String: String]] = Self.defaultLanguages,
                currency: String = "EUR") {
        self.currency = currency
        self.appVersion = appVersion
        self.supportEmail = supportEmail
        self.operatorName = operatorName
        self.partners = partners
        self.languages = languages
    }

    /// English and French texts for the keys the app's own defaults carry.
    public static let defaultLanguages: [String: [String: String]] = [
        "en_US": [
            "selected_language": "En", "greeting": "Hello", "enrollment": "Enrollment", "theme": "Theme",
            "openimis": "openIMIS", "poverty_status": "Poverty status", "search": "Search", "policy": "Policy",
        ],
        "fr_FR": [
            "selected_language": "Fr", "greeting": "Bonjour", "enrollment": "Inscription", "theme": "Thème",
            "openimis": "openIMIS", "poverty_status": "Pauvreté", "search": "Recherche", "policy": "Police",
        ],
    ]
}
