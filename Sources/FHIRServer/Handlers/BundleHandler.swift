import FHIRModels
import Foundation
import HTTPTypes
import IMISData
import Membership

extension FHIRService {
    /// batch and transaction: `POST [base]` with a Bundle (http://hl7.org/fhir/R4/http.html#transaction). Every
    /// entry goes through ``handle(_:principal:)`` as a request of its own by the Bundle's `principal`, so it is
    /// validated, authorised and answered as that single interaction would be.
    func bundle(_ request: FHIRRequest, principal: Principal) async throws(FHIRError) -> FHIRResponse {
        let submission = try BundleSubmission(request, maxEntries: configuration.maxBundleEntries)
        if submission.type == .transaction { return try await transaction(submission.entries, request, principal) }
        return await batch(submission.entries, request, principal)
    }

    /// batch: the entries in order, each on its own (http://hl7.org/fhir/R4/http.html#brules); the answer (200)
    /// gives every entry's status, and its resource or OperationOutcome, within the answer budget
    /// (``BundleAnswer``): once it is spent, reads are answered 413 without running.
    func batch(_ entries: [BundleEntryRequest], _ request: FHIRRequest, _ principal: Principal) async -> FHIRResponse {
        var answer = BundleAnswer(type: .batchResponse, base: request.base, budget: configuration.maxResponseBytes)
        for entry in entries {
            let reads = entry.method == .get || entry.method == .head
            do throws(FHIRError) {
                if reads && answer.isFull { throw BundleAnswer.overBudget(answer.budget) }
                let body = entry.resource.map(Self.bytes) ?? []
                let response = try await handle(try entry.request(body: body, outer: request), principal: principal)
                if !answer.add(response, for: entry) { throw BundleAnswer.overBudget(answer.budget) }
            } catch {
                logIfServerFault(error, entry)
                answer.add(Self.failedEntry(error, entry))
            }
        }
        return answer.response(pretty: request.pretty)
    }

    /// transaction: all entries or none (http://hl7.org/fhir/R4/http.html#trules). The entries run in one unit of
    /// work (one database transaction) in the specification's order: DELETE, POST, PUT, GET; a POST that refers
    /// to another entry's `urn:uuid:` fullUrl runs after it, with the reference rewritten to what it created. The
    /// first entry that fails rolls everything back and its error is the answer, naming the entry; so does a read
    /// whose answer would not fit in the answer budget.
    func transaction(_ entries: [BundleEntryRequest], _ request: FHIRRequest, _ principal: Principal)
        async throws(FHIRError) -> FHIRResponse
    {
        let order = try Self.processingOrder(entries)
        let answer: BundleAnswer
        do {
            answer = try await units.unitOfWork { () async throws -> BundleAnswer in
                var resolved = Self.knownTargets(entries)
                var results = [FHIRResponse?](repeating: nil, count: entries.count)
                var size = 0
                for index in order {
                    let entry = entries[index]
                    do throws(FHIRError) {
                        let body = entry.resource.map { Self.bytes(BundleReferences.resolving($0, resolved)) } ?? []
                        let entryRequest = try entry.request(body: body, outer: request)
                        let response = try await handle(entryRequest, principal: principal)
                        if entry.method == .post, let fullUrl = entry.fullUrl, let type = entryRequest.match.type,
                            let id = response.resourceID
                        {
                            resolved[fullUrl] = "\(type)/\(id)"
                        }
                        size += response.body.count
                        if (entry.method == .get || entry.method == .head) && size > configuration.maxResponseBytes {
                            throw BundleAnswer.overBudget(configuration.maxResponseBytes)
                        }
                        results[index] = response
                    } catch {
                        throw TransactionEntryFailure(entry: entry, error: error)
                    }
                }
                var answer = BundleAnswer(
                    type: .transactionResponse, base: request.base, budget: configuration.maxResponseBytes)
                for (entry, response) in zip(entries, results) {
                    if let response { _ = answer.add(response, for: entry) }
                }
                return answer
            }
        } catch let failure as TransactionEntryFailure {
            logIfServerFault(failure.error, failure.entry)
            let outcome = Self.outcome(failure.error, failure.entry)
            return .resource(.operationOutcome(outcome), status: failure.error.status, pretty: request.pretty)
        } catch {
            throw FHIRError.storage(error)
        }
        return answer.response(pretty: request.pretty)
    }

    /// The order a transaction runs its entries in: DELETE, POST, PUT/PATCH, GET/HEAD, each group in Bundle order,
    /// except that a POST runs after the POSTs whose fullUrl it refers to. Circular references are refused (400).
    static func processingOrder(_ entries: [BundleEntryRequest]) throws(FHIRError) -> [Int] {
        let targets = Set(entries.filter { $0.method == .post }.compactMap(\.fullUrl))
        var pending: [(index: Int, needs: Set<String>)] = entries.filter { $0.method == .post }.map { entry in
            var needs = entry.resource.map { BundleReferences.references(in: $0, among: targets) } ?? []
            if let own = entry.fullUrl { needs.remove(own) }
            return (entry.index, needs)
        }
        var created: Set<String> = []
        var posts: [Int] = []
        while !pending.isEmpty {
            guard let next = pending.firstIndex(where: { $0.needs.isSubset(of: created) }) else {
                let paths = pending.map { "Bundle.entry[\($0.index)]" }
                throw FHIRError(
                    .invalid, "the entries \(paths.joined(separator: ", ")) refer to each other in a circle",
                    issues: paths.map { ValidationIssue(code: .value, path: $0, message: "circular reference") })
            }
            let index = pending.remove(at: next).index
            posts.append(index)
            if let fullUrl = entries[index].fullUrl { created.insert(fullUrl) }
        }
        func group(_ methods: Set<HTTPVerb>) -> [Int] { entries.filter { methods.contains($0.method) }.map(\.index) }
        return group([.delete]) + posts + group([.put, .patch]) + group([.get, .head])
    }

    /// fullUrls known before anything runs: a `urn:` fullUrl of an entry that updates `Type/id` stands for it.
    static func knownTargets(_ entries: [BundleEntryRequest]) -> [String: String] {
        var known: [String: String] = [:]
        for entry in entries where entry.method == .put {
            guard let fullUrl = entry.fullUrl, fullUrl.hasPrefix("urn:"), !entry.url.contains("?"),
                !entry.url.contains("://"),
                entry.url.split(separator: "/").count == 2
            else { continue }
            known[fullUrl] = entry.url
        }
        return known
    }

    /// A batch entry that failed: its status and OperationOutcome.
    static func failedEntry(_ error: FHIRError, _ entry: BundleEntryRequest) -> FHIRBundleEntry {
        FHIRBundleEntry(
            response: FHIRBundleEntryResponse(
                status: FHIRPrimitive(FHIRString(statusLine(error.status))),
                outcome: .operationOutcome(outcome(error, entry))))
    }

    /// The OperationOutcome of an entry's error, naming the entry: in each issue's diagnostics, and in its
    /// expression (`PaymentNotice.amount` becomes `Bundle.entry[1].resource.amount`).
    static func outcome(_ error: FHIRError, _ entry: BundleEntryRequest) -> OperationOutcome {
        var outcome = error.operationOutcome
        let type = entry.resourceType
        for i in outcome.issue.indices {
            let text = outcome.issue[i].diagnostics?.value?.string ?? error.message
            outcome.issue[i].diagnostics = FHIRPrimitive(
                FHIRString("\(entry.path) (\(entry.method.rawValue)): \(text)"))
            var expressions = (outcome.issue[i].expression ?? []).compactMap { $0.value?.string }.map { expression in
                guard let type, expression == type || expression.hasPrefix(type + ".") else { return expression }
                return entry.path + ".resource" + expression.dropFirst(type.count)
            }
            if !expressions.contains(where: { $0.hasPrefix(entry.path) }) { expressions.insert(entry.path, at: 0) }
            outcome.issue[i].expression = expressions.map { FHIRPrimitive(FHIRString($0)) }
        }
        return outcome
    }

    /// A fault of the server in an entry is logged as the responder logs a failed request (without the body).
    func logIfServerFault(_ error: FHIRError, _ entry: BundleEntryRequest) {
        guard error.category == .server else { return }
        logger.error(
            "bundle entry failed",
            metadata: [
                "entry": "\(entry.index)", "method": "\(entry.method.rawValue)", "error": "\(error.message)",
            ])
    }

    /// `201 Created`.
    static func statusLine(_ status: HTTPResponse.Status) -> String { "\(status.code) \(status.reasonPhrase)" }

    static func bytes(_ json: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeJSON(json)
        return writer.bytes
    }
}

/// The entry whose failure aborts a transaction.
struct TransactionEntryFailure: Error {
    let entry: BundleEntryRequest
    let error: FHIRError
}
