/// One problem found while decoding or validating a FHIR instance.
///
/// `path` is a FHIRPath-style location (`Patient.name[0].given[1]`), used as
/// `OperationOutcome.issue.expression`; `code` is an `OperationOutcome.issue.code`
/// (http://hl7.org/fhir/R4/valueset-issue-type.html).
public struct ValidationIssue: Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case structure
        case required
        case value
        case codeInvalid = "code-invalid"
        case invariant
        case notSupported = "not-supported"
    }

    public enum Severity: String, Hashable, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var code: Code
    public var path: String
    public var message: String

    public init(severity: Severity = .error, code: Code, path: String, message: String) {
        self.severity = severity
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(code.rawValue) at \(path.isEmpty ? "(document)" : path): \(message)" }
}

/// The error thrown when an instance is not valid R4: every problem found, with its location.
public struct FHIRValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var issues: [ValidationIssue]
    public init(issues: [ValidationIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "; ") }
}

/// Thrown internally to abandon an element that cannot be built; the reason is already recorded
/// in the ``DecodingContext``.
public struct DecodeAbort: Error, Sendable {
    public init() {}
}

/// One step of a location path.
public enum PathComponent: Sendable {
    case key(String)
    case index(Int)
}

/// State carried through decoding: the current location and the problems found so far.
public struct DecodingContext: Sendable {
    public private(set) var issues: [ValidationIssue] = []
    private var path: [PathComponent] = []
    /// Set while decoding a contained resource (dom-2, dom-4 apply to it).
    public var containedDepth = 0

    public init(root: String = "") {
        if !root.isEmpty { path.append(.key(root)) }
    }

    public var hasIssues: Bool { !issues.isEmpty }
    /// True before anything was pushed: the document root.
    public var isAtRoot: Bool { path.isEmpty }
    public var issueCount: Int { issues.count }

    public mutating func push(_ key: String) { path.append(.key(key)) }
    public mutating func push(index: Int) { path.append(.index(index)) }
    public mutating func pop() { path.removeLast() }

    /// The current location as a FHIRPath-style string.
    public var currentPath: String { Self.render(path) }

    static func render(_ path: [PathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let i):
                text += "[\(i)]"
            }
        }
        return text
    }

    /// Records a problem at the current location (or at a child of it).
    public mutating func issue(_ code: ValidationIssue.Code, _ message: String, child: String? = nil) {
        var location = path
        if let child { location.append(.key(child)) }
        issues.append(ValidationIssue(code: code, path: Self.render(location), message: message))
    }

    /// Records that a JSON value has the wrong type and returns the abort to throw.
    public mutating func wrongType(_ json: JSON, expected: String) -> DecodeAbort {
        issue(.structure, "expected \(expected), found \(json.kindName)")
        return DecodeAbort()
    }

    // MARK: member slots

    /// Stores a member's value in its slot, reporting a duplicate key.
    public mutating func slot(_ slot: inout JSON?, _ member: JSONMember) {
        if slot != nil {
            issue(.structure, "duplicate property '\(member.key)'", child: member.key)
            return
        }
        slot = member.value
    }

    /// Reports a property that the type does not define.
    public mutating func unknown(_ member: JSONMember) {
        issue(.structure, "unknown element '\(member.key)'", child: member.key)
    }

    /// Reports a missing required element and returns false.
    @discardableResult
    public mutating func missing(_ name: String) -> Bool {
        issue(.required, "missing required element '\(name)'", child: name)
        return false
    }
}
