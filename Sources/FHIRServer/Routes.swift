import HTTPTypes

/// A FHIR RESTful interaction (http://hl7.org/fhir/R4/http.html).
public enum Interaction: String, Sendable, Hashable, CaseIterable {
    case capabilities, read, vread, historyInstance = "history-instance", searchType = "search-type", create, update,
        delete, batch, transaction
}

/// The whole HTTP surface, one row per route: method, mount and path, the format of its refusals, and the handler,
/// whose kind is the authentication the route needs (`open`, `credentials` checked by the endpoint, `bearer`: the
/// router answers 401 and the handler gets a principal). FHIR rows are bearer unless marked `open:`; they answer
/// under the FHIR base and the openIMIS alias, and batch and transaction entries are matched against them too.
/// Matching, 404 and 405 (with `Allow`): ``RouteTable/lookup(method:path:configuration:)``; running a row:
/// ``FHIRResponder/route(_:context:credential:)``.
enum RouteTable {
    static let table: [Route] = [
        // The FHIR REST API, in the order of the specification's summary (http://hl7.org/fhir/R4/http.html#summary).
        Route(.get, "metadata", .capabilities, open: FHIRService.capabilities),
        // One endpoint; Bundle.type says which.
        Route(.post, "", .batch, FHIRService.bundle(_:principal:)),
        Route(.post, "", .transaction, FHIRService.bundle(_:principal:)),
        Route(.get, "{type}/{id}", .read, FHIRService.read),
        Route(.get, "{type}/{id}/_history/{vid}", .vread, FHIRService.vread),
        Route(.put, "{type}/{id}", .update, FHIRService.update),
        Route(.delete, "{type}/{id}", .delete, FHIRService.delete),
        Route(.get, "{type}/{id}/_history", .historyInstance, FHIRService.history),
        Route(.post, "{type}", .create, FHIRService.create(_:principal:)),
        Route(.get, "{type}", .searchType, FHIRService.search(_:principal:)),
        Route(.post, "{type}/_search", .searchType, FHIRService.search(_:principal:)),
        // Bulk Data Access IG v2: kick-off at three levels, the status endpoint, the files (``ExportEndpoint``).
        Route(.get, .fhir, "$export", .outcome, .bearer { try await ExportEndpoint(request: $0, principal: $1).kickOff(.system) }),
        Route(.post, .fhir, "$export", .outcome, .bearer { try await ExportEndpoint(request: $0, principal: $1).kickOff(.system) }),
        Route(.get, .fhir, "Patient/$export", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).kickOff(.patient) }),
        Route(.post, .fhir, "Patient/$export", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).kickOff(.patient) }),
        Route(.get, .fhir, "Group/{group}/$export", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).kickOff(.group) }),
        Route(.post, .fhir, "Group/{group}/$export", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).kickOff(.group) }),
        Route(.get, .fhir, "$export-poll-status/{job}", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).status() }),
        Route(.delete, .fhir, "$export-poll-status/{job}", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).cancel() }),
        Route(.get, .fhir, "$export-file/{job}/{file}", .outcome,
              .bearer { try await ExportEndpoint(request: $0, principal: $1).download() }),
        // Subscription operations: the rights of a read and of an update of the Subscription.
        Route(.get, "{type}/{id}/$events", .read, FHIRService.subscriptionEvents),
        Route(.post, "{type}/{id}/$resend", .update, FHIRService.subscriptionResend),
        // SMART App Launch 2.0 §2.1, under both FHIR bases; the alias's openIMIS sign-in.
        Route(.get, .fhir, ".well-known/smart-configuration", .outcome,
              .open { $0.token.smartConfiguration(authBase: $0.authBase) }),
        Route(.post, .alias, "login", .oauth,
              .credentials { await $0.token.openIMISLogin(headers: $0.headers, body: $0.body) }),

        // Tokens (api.md §2, RFC 7009, RFC 7662) and discovery (RFC 8414).
        Route(.post, .auth, "token", .oauth, .credentials { await $0.token.token(headers: $0.headers, body: $0.body, authBase: $0.authBase) }),
        Route(.post, .auth, "revoke", .oauth,
              .credentials { await $0.token.revoke(headers: $0.headers, body: $0.body) }),
        Route(.post, .auth, "introspect", .oauth,
              .credentials { await $0.token.introspect(headers: $0.headers, body: $0.body) }),
        Route(.post, .auth, "otp", .oauth,
              .open { await $0.token.startOTP(headers: $0.headers, body: $0.body, clientIP: $0.clientIP) }),
        Route(.post, .auth, "otp/resend", .oauth,
              .open { await $0.token.resendOTP(headers: $0.headers, body: $0.body) }),
        // The development outbox shows codes: the anonymous budget, not an open document's.
        Route(.get, .auth, "dev/outbox", .oauth, .open { $0.token.outbox() }, budget: .api),
        Route(.get, .auth, "jwks.json", .oauth, .open { $0.token.jwks() }),
        Route(.get, .site, ".well-known/oauth-authorization-server", .oauth,
              .open { $0.token.authorizationServerMetadata(authBase: $0.authBase) }),

        // The signed-in insuree (api.md §3).
        Route(.get, .membership, "me", .oauth, .bearer { await $0.membership.me(principal: $1) }),
        Route(.get, .membership, "card", .oauth, .bearer { await $0.membership.card(principal: $1, request: $0) }),
        Route(.post, .membership, "push-tokens", .oauth,
              .bearer { await $0.membership.savePushToken(principal: $1, headers: $0.headers, body: $0.body) }),
        Route(.delete, .membership, "push-tokens/{token}", .oauth,
              .bearer { await $0.membership.deletePushToken(principal: $1, token: $0.parameters.first ?? "") }),

        // Self-enrolment with payment verified by the server (``EnrolmentEndpoint``): signed out, as the app enrols;
        // the enrolment id is the capability, the per-address sign-in budget and an enrolment limit apply.
        Route(.post, .membership, "enrollment", .compat, .open { await $0.enrolment.enrol($0) }, budget: .credential),
        Route(.get, .membership, "enrollment/{enrolment}", .compat,
              .open { await $0.enrolment.show(id: $0.parameters.first ?? "") }, budget: .credential),
        Route(.post, .membership, "enrollment/{enrolment}/paypal", .compat,
              .open { await $0.enrolment.createOrder(id: $0.parameters.first ?? "") }, budget: .credential),
        Route(.post, .membership, "enrollment/{enrolment}/paypal/capture", .compat,
              .open { await $0.enrolment.capture(id: $0.parameters.first ?? "", body: $0.body) }, budget: .credential),

        // openIMIS's membership module, as its mobile app calls it (``MembershipCompat``).
        Route(.post, .compat, "enrollment", .compat, .open { await $0.enrolment.enrol($0) }, budget: .credential),
        Route(.post, .compat, "login", .compat,
              .credentials { try await $0.compat.login(headers: $0.headers, body: $0.body) }),
        Route(.post, .compat, "register", .compat, .open { try await $0.compat.register($0) }),
        Route(.post, .compat, "resend-otp", .compat,
              .open { try await $0.compat.resend(headers: $0.headers, body: $0.body) }),
        Route(.post, .compat, "validate-otp", .compat,
              .open { try await $0.compat.validate(headers: $0.headers, body: $0.body) }),
        Route(.post, .compat, "save_fcm_token", .compat,
              .bearer { try await $0.compat.saveFCMToken($0, principal: $1) }),
        Route(.get, .compat, "insuree-information", .compat,
              .bearer { try await $0.compat.information($0, principal: $1) }),
        Route(.get, .compat, "claims", .compat, .bearer { try await $0.compat.claims(principal: $1) }),
        Route(.get, .compat, "claimed-item-services", .compat,
              .bearer { try await $0.compat.claimLines($0, principal: $1) }),
        Route(.get, .compat, "card/{uuid}", .compat, .bearer { try await $0.compat.card($0, principal: $1) }),
        Route(.get, .compat, "membership/card/{uuid}", .compat, .bearer { try await $0.compat.card($0, principal: $1) }),
        Route(.get, .compat, "fhir-patient", .compat,
              .bearer { try await $0.compat.fhirPatient($0, principal: $1) }),
        // What the app loads signed out: whole reference tables on the per-address sign-in budget.
        Route(.get, .compat, "config", .compat, .open { try await $0.compat.config() }),
        Route(.get, .compat, "locations", .compat, .open { try await $0.compat.locations() }, budget: .credential),
        Route(.get, .compat, "hospitals", .compat, .open { try await $0.compat.hospitals() }, budget: .credential),
        Route(.post, .compat, "check-username", .compat, .open { try await $0.compat.checkUsername($0) }),
        Route(.get, .compat, "nationalId", .compat, .open { try await $0.compat.nationalID($0) }, budget: .credential),

        // Health checks, for any method, outside SITE_ROOT.
        Route(nil, .root, "health/live", .outcome, .open { _ in RouteTable.healthy }),
        Route(nil, .root, "health/ready", .outcome, .open { await $0.service.operations.readiness() }),
        // Operations: Prometheus metrics (token, allow-list or loopback in PROD) and the status page for people.
        Route(.get, .root, "metrics", .outcome,
              .open { $0.service.operations.metricsAnswer(headers: $0.headers, clientIP: $0.clientIP) }),
        Route(.get, .root, "", .outcome,
              .open { await $0.service.operations.statusPage(fhirBase: $0.service.configuration.fhirBasePath) },
              budget: .openDocument),
    ]

    static let healthy = FHIRResponse(status: .ok, headers: [.contentType: "text/plain"], body: Array("ok\n".utf8))
}
