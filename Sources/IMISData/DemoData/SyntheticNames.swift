/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast, seedable generator, so synthetic data (and the fuzz test's
/// cases) are the same for the same seed everywhere, whatever the standard library's random algorithms do.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (0 when `bound` is not positive).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

    /// One of `items` (not empty).
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A random version-4 UUID, lower-case.
    mutating func uuid() -> String {
        let high = (next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        for (word, range) in [(high, 0..<16), (low, 16..<32)] {
            for i in range {
                if i == 8 || i == 12 || i == 16 || i == 20 { bytes.append(UInt8(ascii: "-")) }
                let shift = UInt64(60 - 4 * (i % 16))
                bytes.append(digits[Int((word >> shift) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Name pools of the synthetic population (plausible for an openIMIS country, with some accented names).
enum SyntheticNames {
    static let female = [
        "Amina", "Fatou", "Grace", "Mary", "Aisha", "Esther", "Ruth", "Mariam", "Neema", "Zawadi", "Halima",
        "Rehema", "Joyce", "Agnes", "Sarah", "Chiamaka", "Ngozi", "Adaeze", "Yaa", "Akosua", "Efua", "Nadia",
        "Leila", "Sofia", "Zoë", "Chloé", "Inès", "Noémie", "Ana", "Lucía", "Irene", "Rose", "Anna", "Josephine",
        "Upendo", "Imani", "Wanjiru", "Njeri", "Awa", "Mariama",
    ]
    static let male = [
        "John", "Joseph", "Peter", "James", "Daniel", "Samuel", "David", "Emmanuel", "Ibrahim", "Musa", "Juma",
        "Baraka", "Hassan", "Omari", "Kwame", "Kofi", "Yaw", "Chinedu", "Emeka", "Olu", "Moussa", "Amadou",
        "Ousmane", "Mamadou", "José", "André", "François", "Jérôme", "Lukas", "Jonas", "Paul", "Michael",
        "Charles", "George", "Francis", "Patrick", "Kamau", "Otieno", "Mwangi", "Abdou",
    ]
    static let last = [
        "Mwangi", "Otieno", "Kamau", "Njoroge", "Wanjiku", "Mensah", "Owusu", "Boateng", "Asante", "Osei",
        "Okafor", "Okeke", "Adeyemi", "Balogun", "Diallo", "Traoré", "Koné", "Sow", "Ndiaye", "Diop", "Banda",
        "Phiri", "Mwale", "Tembo", "Moyo", "Ncube", "Dlamini", "Nkosi", "Mahlangu", "Shabani", "Mushi", "Massawe",
        "Kimaro", "Swai", "Lyimo", "Haule", "Mbwambo", "Doe", "Smith", "Müller", "Peña", "Lefèvre", "Gómez",
        "Nuñez", "Sørensen", "Çelik", "Dubois", "Rossi", "Silva", "Santos", "Ferreira", "Haddad", "Rahman",
        "Hussein", "Abdallah", "Salim", "Mohamed", "Ali", "Juma", "Rashid",
    ]
    static let streets = ["Market Road", "Church Street", "Hill Road", "River Lane", "School Road", "Mission Road",
                          "Station Road", "Main Street", "Well Lane", "Mango Avenue"]
}
