import Testing

@testable import Membership

@Suite struct AccessPolicyTests {
    @Test(arguments: [
        ("system/Invoice.cru", "Invoice", AccessMethod.create, true),
        ("system/Invoice.cru", "Invoice", .read, true),
        ("system/Invoice.cru", "Invoice", .update, true),
        ("system/Invoice.cru", "Invoice", .delete, false),
        ("system/Invoice.cru", "Patient", .read, false),
        ("system/PaymentNotice.c", "PaymentNotice", .create, true),
        ("system/PaymentNotice.c", "PaymentNotice", .read, false),
        ("system/*.read", "Claim", .read, true),
        ("system/*.read", "Claim", .create, false),
        ("system/Patient.write", "Patient", .delete, true),
        ("system/Patient.rs", "Patient", .read, true),
    ])
    func systemScopesGrantExactlyWhatTheySay(_ scope: String, _ type: String, _ method: AccessMethod, _ allowed: Bool) {
        let principal = Principal.system(clientID: "payments", scopes: SMARTScope.parse(scope))
        #expect((AccessPolicy.decide(principal, type, method) == .allow) == allowed)
    }

    @Test func malformedScopesAreIgnored() {
        for text in ["openid", "system/Invoice", "system/.read", "system/invoice.read", "system/Invoice.rc", "system/Invoice.x", "admin/Invoice.read"] {
            #expect(SMARTScope(text) == nil, "\(text)")
        }
    }

    @Test func usersPassOnAnyListedRightAdministratorsAlways() {
        let clerk = Principal.user(userID: 2, rights: [101101, 101001], administrator: false, districts: nil, scopes: SMARTScope.parse("user/*.cruds"))
        #expect(AccessPolicy.decide(clerk, "Patient", .read) == .allow)
        #expect(AccessPolicy.decide(clerk, "Patient", .create) == .forbidden)
        #expect(AccessPolicy.decide(clerk, "Location", .read) == .allow)
        #expect(AccessPolicy.decide(clerk, "Claim", .read) == .forbidden)
        #expect(AccessPolicy.decide(clerk, "Observation", .read) == .forbidden)
        let admin = Principal.user(userID: 1, rights: [], administrator: true, districts: [7], scopes: SMARTScope.parse("user/*.cruds"))
        #expect(AccessPolicy.decide(admin, "Claim", .delete) == .allow)
        let scoped = Principal.user(userID: 3, rights: [101101], administrator: false, districts: [7, 9], scopes: SMARTScope.parse("user/*.cruds"))
        #expect(AccessPolicy.decide(scoped, "Patient", .read) == .allowWithinDistricts([7, 9]))
    }

    @Test func insureesSeeTheirFamilyAndReferenceDataOnly() {
        let insuree = Principal.insuree(insureeID: 10, familyID: 4, scopes: SMARTScope.parse("patient/*.rs"))
        #expect(AccessPolicy.decide(insuree, "Patient", .read) == .allowWithinFamily(4))
        #expect(AccessPolicy.decide(insuree, "Invoice", .read) == .allowWithinFamily(4))
        #expect(AccessPolicy.decide(insuree, "Patient", .update) == .forbidden)
        #expect(AccessPolicy.decide(insuree, "InsurancePlan", .read) == .allow)
        #expect(AccessPolicy.decide(insuree, "Organization", .create) == .forbidden)
        #expect(AccessPolicy.decide(insuree, "Subscription", .read) == .forbidden)
    }

    @Test func noWriteIsOpenToEverySignedInUser() {
        for (type, methods) in OpenIMISRights.table {
            for (method, rights) in methods where method != .read {
                #expect(!rights.isEmpty, "\(type) \(method.rawValue) needs a right")
            }
        }
        let nobody = Principal.user(userID: 4, rights: [], administrator: false, districts: nil, scopes: SMARTScope.parse("user/*.cruds"))
        let clerk = Principal.user(userID: 2, rights: [101201], administrator: false, districts: nil, scopes: SMARTScope.parse("user/*.cruds"))
        for type in ["Coverage", "Contract", "CoverageEligibilityRequest"] {
            for method in AccessMethod.allCases {
                #expect(AccessPolicy.decide(nobody, type, method) == .forbidden, "\(type) \(method.rawValue)")
            }
        }
        #expect(AccessPolicy.decide(clerk, "CoverageEligibilityRequest", .create) == .allow)
        #expect(AccessPolicy.decide(clerk, "Contract", .create) == .forbidden)
        #expect(AccessPolicy.decide(clerk, "CoverageEligibilityRequest", .update) == .forbidden)
    }
}
