/// The openIMIS seed values of the reference tables (reference §3.14; openIMIS base data).
enum ReferenceSeed {
    static let values: [(ReferenceTable, [(String, String)])] = [
        (.gender, [("M", "Male"), ("F", "Female"), ("O", "Other")]),
        (.relation, [("1", "Brother/Sister"), ("2", "Father/Mother"), ("3", "Uncle/Aunt"), ("4", "Son/Daughter"),
                     ("5", "Grand parents"), ("6", "Employee"), ("7", "Others"), ("8", "Spouse")]),
        (.education, [("1", "Nursery"), ("2", "Primary school"), ("3", "Secondary school"), ("4", "University"),
                      ("5", "Postgraduate studies"), ("6", "PHD"), ("7", "Other")]),
        (.profession, [("1", "Housewife"), ("2", "Employee"), ("3", "Self Employee"), ("4", "Others")]),
        (.identificationType, [("D", "Driver's License"), ("N", "National ID"), ("P", "Passport"),
                               ("V", "Voter Card")]),
        (.familyType, [("C", "Council"), ("G", "Organization"), ("H", "Household"), ("O", "Other"),
                       ("P", "Priests"), ("S", "Students"), ("T", "Teachers")]),
        (.confirmationType, [("A", "Local council"), ("B", "Municipality"), ("C", "State"), ("D", "Other")]),
        (.legalForm, [("C", "Charity"), ("D", "District organization"), ("G", "Government"),
                      ("P", "Private organization")]),
    ]
}
