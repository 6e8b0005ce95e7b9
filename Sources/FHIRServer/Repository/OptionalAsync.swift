extension Optional {
    /// `map` with an asynchronous transform (store lookups are `async`).
    func mapAsync<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }

    /// `flatMap` with an asynchronous transform.
    func flatMapAsync<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
