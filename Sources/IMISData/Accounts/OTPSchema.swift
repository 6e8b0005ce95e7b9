/// The project's own tables for OTP challenges and device push tokens (openIMIS has neither). Instants are
/// INTEGER Unix seconds and the statements are plain SQL, so that they serve SQLite and PostgreSQL alike; they
/// are created only when missing, so that they can be added to an existing openIMIS database.
enum OTPSchema {
    static let own = """
        CREATE TABLE IF NOT EXISTS imisfhir_otp_challenge (
          id TEXT PRIMARY KEY NOT NULL,
          purpose TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
          insuree_id INTEGER,
          user_id INTEGER,
          destination TEXT,
          channel TEXT NOT NULL,
          new_phone TEXT,
          new_email TEXT,
          code_mac TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          resend_count INTEGER NOT NULL DEFAULT 0,
          last_sent_at INTEGER NOT NULL,
          consumed_at INTEGER,
          client_ip_hash TEXT NOT NULL,
          destination_hash TEXT NOT NULL,
          subject_hash TEXT NOT NULL,
          decoy INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS imisfhir_otp_challenge_destination ON imisfhir_otp_challenge(destination_hash, created_at);
        CREATE INDEX IF NOT EXISTS imisfhir_otp_challenge_subject ON imisfhir_otp_challenge(subject_hash, created_at);
        CREATE INDEX IF NOT EXISTS imisfhir_otp_challenge_client ON imisfhir_otp_challenge(client_ip_hash, created_at);
        CREATE INDEX IF NOT EXISTS imisfhir_otp_challenge_created ON imisfhir_otp_challenge(created_at);
        CREATE TABLE IF NOT EXISTS imisfhir_push_token (
          token TEXT PRIMARY KEY NOT NULL,
          user_id INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS imisfhir_push_token_user ON imisfhir_push_token(user_id);
        """
}
