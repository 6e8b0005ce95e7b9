import FHIRModels
import Foundation
import IMISData

/// Practitioner / PractitionerRole ← claim administrator (`CA`) and enrolment officer (`EO`)
/// (reference §3.11; IG profiles `openimis-claim-administrator-practitioner[-role]`,
/// `openimis-enrolment-officer-practitioner[-role]`, examples `Rushila-Dani-CA`, `Roberts-Jeb-EO`).
///
/// A PractitionerRole has the same id as its Practitioner (the row UUID), as in openIMIS.
public enum PractitionerMapping {
    static let qualificationSystem = "practitioner-qualification-type"

    static func qualification(_ code: String) -> CodeableConcept {
        Build.igConcept(qualificationSystem, code, code == "CA" ? "Claim Administrator" : "Enrolment Officer")
    }

    static func person(
        uuid: String, code: String, lastName: String, otherNames: String, dob: LocalDate?, phone: String?, email: String?,
        qualification role: String, kind: IdentifierKind, _ context: MappingContext
    ) -> Practitioner {
        var practitioner = Practitioner(id: uuid.lowercased())
        practitioner.identifier = Build.identifiers(uuid: uuid, code: code, kind: kind, context)
        practitioner.name = [Build.officialName(family: lastName, given: otherNames)]
        practitioner.telecom = Build.telecom(phone: phone, email: email, use: .home)
        practitioner.birthDate = dob.map { Build.date($0) }
        practitioner.qualification = [PractitionerQualification(code: qualification(role))]
        return practitioner
    }

    /// A claim administrator as Practitioner: identifiers `UUID` + `Code` (`ClaimAdminCode`),
    /// official name, birth date, telecom, qualification `CA`. (The backend's non-IG
    /// `StructureDefinition/reference` extension to the HF is not written; the HF is on the
    /// PractitionerRole.)
    public static func practitioner(
        claimAdministrator versioned: Versioned<ClaimAdministrator>, context: MappingContext
    ) -> Practitioner {
        let admin = versioned.record
        var practitioner = person(
            uuid: admin.uuid, code: admin.code, lastName: admin.lastName, otherNames: admin.otherNames, dob: admin.dob,
            phone: admin.phone, email: admin.email, qualification: "CA", kind: .claimAdministratorCode, context)
        practitioner.meta = Build.meta(versioned)
        return practitioner
    }

    /// An enrolment officer as Practitioner: identifiers `UUID` + `Code`, official name, birth
    /// date, telecom, qualification `EO`.
    public static func practitioner(
        enrolmentOfficer versioned: Versioned<EnrolmentOfficer>, context: MappingContext
    ) -> Practitioner {
        let officer = versioned.record
        var practitioner = person(
            uuid: officer.uuid, code: officer.code, lastName: officer.lastName, otherNames: officer.otherNames,
            dob: officer.dob, phone: officer.phone, email: officer.email, qualification: "EO", kind: .officerCode, context)
        practitioner.meta = Build.meta(versioned)
        return practitioner
    }

    /// A claim administrator's role: `practitioner`, `organization` = its health facility, code `CA`.
    public static func practitionerRole(
        claimAdministrator versioned: Versioned<ClaimAdministrator>, healthFacility: HealthFacility?,
        context: MappingContext
    ) -> PractitionerRole {
        let admin = versioned.record
        var role = PractitionerRole(id: admin.uuid.lowercased(), meta: Build.meta(versioned))
        role.identifier = Build.identifiers(uuid: admin.uuid, code: admin.code, kind: .claimAdministratorCode, context)
        role.practitioner = Build.reference("Practitioner", uuid: admin.uuid, display: admin.code)
        if let hf = healthFacility {
            role.organization = Build.reference("Organization", uuid: hf.uuid, display: hf.code)
        }
        role.code = [qualification("CA")]
        return role
    }

    /// An enrolment officer's role: `practitioner`, `location` = its district, code `EO`,
    /// `period.end` = `WorksTo`, extension `practitioner-role-substitution-reference` → the
    /// substitute officer (`OfficerIDSubst`).
    public static func practitionerRole(
        enrolmentOfficer versioned: Versioned<EnrolmentOfficer>, location: IMISData.Location?,
        substitute: EnrolmentOfficer?, context: MappingContext
    ) -> PractitionerRole {
        let officer = versioned.record
        var role = PractitionerRole(id: officer.uuid.lowercased(), meta: Build.meta(versioned))
        if let substitute {
            role.extension = [Build.ext(OpenIMISIG.Ext.practitionerRoleSubstitution, .reference(
                Build.reference("Practitioner", uuid: substitute.uuid, display: substitute.code)))]
        }
        role.identifier = Build.identifiers(uuid: officer.uuid, code: officer.code, kind: .officerCode, context)
        if let worksTo = officer.worksTo {
            role.period = Period(end: Build.dateTime(worksTo))
        }
        role.practitioner = Build.reference("Practitioner", uuid: officer.uuid, display: officer.code)
        role.code = [qualification("EO")]
        if let location {
            role.location = [Build.reference("Location", uuid: location.uuid, display: location.code)]
        }
        return role
    }
}
