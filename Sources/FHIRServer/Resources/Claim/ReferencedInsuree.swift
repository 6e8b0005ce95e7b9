import Foundation
import IMISData

extension RegistryStore {
    /// The insuree row `id` that a claim, policy or family references: the current row, or, when the
    /// insuree was soft-deleted (openIMIS sets `ValidityTo` on the current row and writes no new one),
    /// that deleted row. A Claim, ClaimResponse, Coverage or Contract therefore keeps its reference to
    /// the insuree's UUID, while a read of that Patient answers 410 Gone.
    func referencedInsuree(id: Int64) async throws -> Insuree? {
        if let current = try await record(Insuree.self, id: id) { return current.record }
        return try await versions(Insuree.self, id: id).last?.record
    }
}
