import FHIRModels
import Foundation
import IMISData

/// Location ← `tblLocations`, and health facilities as Location sites (reference §3.10; IG
/// profile `openimis-location`, examples `Upper-River-Region` … `Jamula-village`).
public enum LocationMapping {
    /// `LocationType` → display (IG code system `location-type`).
    static let typeDisplays = ["R": "Region", "D": "District", "W": "Municipality/Ward", "V": "Village"]

    /// HF level → (v3-RoleCode, display) of the site's `type` (reference §3.10: hospital `HOSP`,
    /// dispensary `COMM`, health centre `OF`).
    static let siteTypes = [
        "H": ("HOSP", "Hospital"), "D": ("COMM", "Community Location"), "C": ("OF", "Outpatient facility"),
    ]

    /// Renders an administrative location: identifiers `UUID` + `Code` (`LocationCode`), `name`,
    /// `status` (active for the current row, inactive for a closed one), `mode` instance,
    /// `physicalType` from `location-type` (R/D/W/V), `partOf` the parent (absent for regions).
    public static func location(
        _ versioned: Versioned<IMISData.Location>, parent: IMISData.Location?, context: MappingContext
    ) -> FHIRModels.Location {
        let row = versioned.record
        var location = FHIRModels.Location(id: row.uuid.lowercased(), meta: Build.meta(versioned))
        location.identifier = Build.identifiers(uuid: row.uuid, code: row.code, kind: .locationCode, context)
        location.status = FHIRPrimitive(row.isCurrent ? .active : .inactive)
        location.name = Build.string(row.name)
        location.mode = FHIRPrimitive(.instance)
        location.physicalType = Build.igConcept("location-type", row.type, typeDisplays[row.type])
        if let parent {
            location.partOf = Build.reference("Location", uuid: parent.uuid, display: parent.code)
        }
        return location
    }

    /// Renders a health facility as a Location site (`GET Location?physicalType=si`): identifiers
    /// `UUID` + `Code` (`HFCode`; the backend's `FI` type is not in the IG), `physicalType`
    /// `si`, `type` from v3-RoleCode by HF level, `partOf` its district, `managingOrganization`
    /// the facility's Organization.
    public static func site(
        _ versioned: Versioned<HealthFacility>, district: IMISData.Location?, context: MappingContext
    ) -> FHIRModels.Location {
        let hf = versioned.record
        var location = FHIRModels.Location(id: hf.uuid.lowercased(), meta: Build.meta(versioned))
        location.identifier = Build.identifiers(uuid: hf.uuid, code: hf.code, kind: .healthFacilityCode, context)
        location.status = FHIRPrimitive(hf.isCurrent ? .active : .inactive)
        location.name = Build.string(hf.name)
        location.mode = FHIRPrimitive(.instance)
        if let (code, display) = siteTypes[hf.level] {
            location.type = [Build.concept(HL7System.roleCode, code, display)]
        }
        location.physicalType = Build.concept(HL7System.locationPhysicalType, "si", "Site")
        location.managingOrganization = Build.reference("Organization", uuid: hf.uuid, display: hf.code)
        if let district {
            location.partOf = Build.reference("Location", uuid: district.uuid, display: district.code)
        }
        return location
    }
}
