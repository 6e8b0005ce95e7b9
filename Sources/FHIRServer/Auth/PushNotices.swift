import Foundation
import IMISData
import Membership

/// Push notifications to people, after the write they tell of has committed.
extension AuthServices {
    /// The providers' notices, told to the families' devices.
    var peopleNotices: PeopleNotices {
        PeopleNotices(
            policyActivated: { families in for family in families { notifyPolicyActivated(familyID: family) } },
            claimAdjudicated: { claim in notifyClaimAdjudicated(claim) })
    }

    /// Tells the family of the claim's insuree (members with an account and a registered device) that the claim was
    /// checked or rejected: its UUID and outcome only, nothing of the care it was for.
    func notifyClaimAdjudicated(_ claim: IMISData.Claim) {
        let rejected = claim.claimStatus == .rejected
        let registry = self.registry
        let insureeID = claim.insureeID
        let data = ["event": "claim-adjudicated", "claim": claim.uuid.lowercased(), "outcome": rejected ? "rejected" : "checked"]
        Task.detached {
            guard let familyID = try? await registry.record(Insuree.self, id: insureeID)?.record.familyID else { return }
            notifyFamily(familyID: familyID, title: rejected ? "Claim rejected" : "Claim checked",
                         text: rejected ? "A claim submitted for your family was rejected."
                             : "A claim submitted for your family passed its check.",
                         data: data)
        }
    }

    /// Tells the members of a family who have an account and a registered device that their policy is active: an
    /// FCM notification to each device, sent in the background after the payment committed (never delaying or
    /// failing the request that activated it).
    func notifyPolicyActivated(familyUUID: String) {
        notifyFamily(familyUUID: familyUUID, title: "Policy active",
                     text: "Your payment was received and your family's policy is now active.",
                     data: ["event": "policy-activated", "family": familyUUID])
    }

    /// The same for the family with key `familyID` (the PaymentNotice path).
    func notifyPolicyActivated(familyID: Int64) {
        notifyFamily(familyID: familyID, title: "Policy active",
                     text: "Your payment was received and your family's policy is now active.",
                     data: ["event": "policy-activated"])
    }

    /// Sends one push message to every registered device of the family's members with an account, in the background.
    func notifyFamily(familyUUID: String, title: String, text: String, data: [String: String]) {
        let registry = self.registry
        Task.detached {
            guard let id = try? await registry.record(Family.self, uuid: familyUUID, includeDeleted: false)?.record.id else { return }
            notifyFamily(familyID: id, title: title, text: text, data: data)
        }
    }

    /// Sends one push message to every registered device of the members of family `familyID` with an account.
    func notifyFamily(familyID: Int64, title: String, text: String, data: [String: String]) {
        guard let notifier else { return }
        let registry = self.registry, accounts = self.accounts, pushTokens = self.pushTokens
        Task.detached {
            guard let members = try? await registry.familyMembers(familyID: familyID) else { return }
            for member in members {
                guard let insureeID = member.record.id, let user = try? await accounts.user(insureeID: insureeID),
                      let tokens = try? await pushTokens.pushTokens(userID: user.id)
                else { continue }
                for token in tokens {
                    notifier.enqueue(OutgoingMessage(channel: .push, destination: token.token, subject: title, text: text,
                                                     data: data))
                }
            }
        }
    }
}
