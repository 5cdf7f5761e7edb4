-- Borough's schema after the migrations: 0001_initial, 0002_staff_and_council_settings, 0003_audit_is_append_only, 0004_payments, 0005_workflow_outbox_webhooks_api, 0006_service_drafts, 0007_catalogue, 0008_catalogue_suggestions, 0009_fork_publisher_name
CREATE TABLE "api_key" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL UNIQUE,
    "key_hash" VARCHAR(64) NOT NULL UNIQUE,
    "scopes" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_used_at" TIMESTAMP,
    "revoked_at" TIMESTAMP,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "created_by_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT
);
CREATE TABLE "audit_entry" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "actor_label" VARCHAR(300) NOT NULL,
    "action" VARCHAR(100) NOT NULL,
    "target" VARCHAR(300) NOT NULL,
    "before" JSON,
    "after" JSON,
    "address" VARCHAR(64),
    "at" TIMESTAMP NOT NULL,
    "actor_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT,
    "council_id" INT REFERENCES "council" ("id") ON DELETE RESTRICT
);
CREATE TABLE "catalogue_fork" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "service_id" VARCHAR(64) NOT NULL,
    "catalogue" VARCHAR(500) NOT NULL,
    "publisher" VARCHAR(64) NOT NULL,
    "upstream_service" VARCHAR(64) NOT NULL,
    "upstream_version" VARCHAR(32) NOT NULL,
    "address" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT, "publisher_name" VARCHAR(200),
    CONSTRAINT "uid_catalogue_f_council_a1f998" UNIQUE ("council_id", "service_id")
);
CREATE TABLE "catalogue_key" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "keyid" VARCHAR(64) NOT NULL UNIQUE,
    "public_key" TEXT NOT NULL,
    "sealed_private_key" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "retired_at" TIMESTAMP,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT
);
CREATE TABLE "catalogue_suggestion" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "service" VARCHAR(64) NOT NULL,
    "version" VARCHAR(32) NOT NULL,
    "address" VARCHAR(64) NOT NULL,
    "from_council" VARCHAR(64) NOT NULL,
    "from_name" VARCHAR(200) NOT NULL,
    "via" VARCHAR(16) NOT NULL,
    "message" TEXT NOT NULL,
    "patch" JSON NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "decided_by_label" VARCHAR(300) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "decided_at" TIMESTAMP,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT
);
CREATE TABLE "council" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "slug" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "brand_colour" VARCHAR(7) NOT NULL,
    "logo_url" VARCHAR(500),
    "contact_email" VARCHAR(254),
    "languages" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL
, "accessibility_url" VARCHAR(500), "contact_phone" VARCHAR(40), "email_reply_to" VARCHAR(254), "email_sender_address" VARCHAR(254), "email_sender_name" VARCHAR(200), "payment_account" VARCHAR(200), "payment_provider" VARCHAR(32), "payment_secret" TEXT, "privacy_url" VARCHAR(500), "updated_at" TIMESTAMP, "website_url" VARCHAR(500), "payment_webhook_secret" TEXT);
CREATE TABLE "draft_change" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" INT NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "operation" VARCHAR(64) NOT NULL,
    "description" TEXT NOT NULL,
    "params" JSON NOT NULL,
    "patch" JSON NOT NULL,
    "inverse" JSON NOT NULL,
    "parent_id" INT,
    "target_id" INT,
    "actor_label" VARCHAR(300) NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "actor_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "draft_id" INT NOT NULL REFERENCES "service_draft" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_draft_chang_draft_i_7a8478" UNIQUE ("draft_id", "version")
);
CREATE TABLE "journey" (
    "id" CHAR(36) NOT NULL  PRIMARY KEY,
    "answers" JSON NOT NULL,
    "visited" JSON NOT NULL,
    "language" VARCHAR(2) NOT NULL,
    "resume_email" VARCHAR(254),
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "submitted" INT NOT NULL,
    "lock_version" INT NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "service_version_id" INT NOT NULL REFERENCES "service_version" ("id") ON DELETE RESTRICT
);
CREATE TABLE "membership" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "roles" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "user_id" INT NOT NULL REFERENCES "staff_user" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_membership_user_id_25e49f" UNIQUE ("user_id", "council_id")
);
CREATE TABLE "one_time_token" (
    "id" VARCHAR(64) NOT NULL  PRIMARY KEY,
    "kind" VARCHAR(16) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "roles" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "used_at" TIMESTAMP,
    "council_id" INT REFERENCES "council" ("id") ON DELETE RESTRICT,
    "created_by_id" INT REFERENCES "staff_user" ("id") ON DELETE SET NULL
);
CREATE TABLE "outbox_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "recipient" VARCHAR(254) NOT NULL,
    "subject" VARCHAR(500) NOT NULL,
    "body_text" TEXT NOT NULL,
    "idempotency_key" VARCHAR(128) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "sent_at" TIMESTAMP,
    "attempts" INT NOT NULL,
    "last_error" TEXT,
    "council_id" INT REFERENCES "council" ("id") ON DELETE RESTRICT
, "claimed_until" TIMESTAMP, "dead_at" TIMESTAMP, "language" VARCHAR(2) NOT NULL DEFAULT 'en', "next_attempt_at" TIMESTAMP, "transport" VARCHAR(16) NOT NULL DEFAULT '', "transport_id" VARCHAR(200));
CREATE TABLE "payment_attempt" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "reference" VARCHAR(32) NOT NULL UNIQUE,
    "return_token" VARCHAR(64) NOT NULL UNIQUE,
    "idempotency_key" VARCHAR(64) NOT NULL UNIQUE,
    "provider" VARCHAR(32) NOT NULL,
    "provider_payment_id" VARCHAR(200),
    "amount" INT NOT NULL,
    "fees" JSON NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "failure_reason" VARCHAR(32),
    "next_url" TEXT,
    "card_brand" VARCHAR(40),
    "last_four" VARCHAR(4),
    "flagged_for_refund" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "submission_id" INT NOT NULL REFERENCES "submission" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_payment_att_provide_776466" UNIQUE ("provider", "provider_payment_id")
);
CREATE TABLE "payment_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "from_state" VARCHAR(16) NOT NULL,
    "to_state" VARCHAR(16) NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "detail" JSON,
    "at" TIMESTAMP NOT NULL,
    "attempt_id" INT NOT NULL REFERENCES "payment_attempt" ("id") ON DELETE RESTRICT
);
CREATE TABLE "refund" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "amount" INT NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "provider_refund_id" VARCHAR(200),
    "idempotency_key" VARCHAR(64) NOT NULL UNIQUE,
    "reason" VARCHAR(500) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "attempt_id" INT NOT NULL REFERENCES "payment_attempt" ("id") ON DELETE RESTRICT,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "created_by_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT
);
CREATE TABLE "sandbox_payment" (
    "id" VARCHAR(40) NOT NULL  PRIMARY KEY,
    "amount" INT NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "description" VARCHAR(255) NOT NULL,
    "return_url" TEXT NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "code" VARCHAR(8),
    "last_four" VARCHAR(4),
    "refunded" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT
);
CREATE TABLE "service_draft" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "service_id" VARCHAR(64) NOT NULL,
    "definition" JSON NOT NULL,
    "version" INT NOT NULL,
    "head_change_id" INT,
    "source" VARCHAR(200) NOT NULL,
    "published_draft_version" INT,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "updated_by_label" VARCHAR(300) NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "updated_by_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_service_dra_council_77f475" UNIQUE ("council_id", "service_id")
);
CREATE TABLE "service_version" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "service_id" VARCHAR(64) NOT NULL,
    "version" VARCHAR(32) NOT NULL,
    "content_hash" VARCHAR(64) NOT NULL,
    "definition" JSON NOT NULL,
    "title" VARCHAR(500) NOT NULL,
    "published_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT, "change_note" TEXT, "published_by_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT, "published_by_label" VARCHAR(300),
    CONSTRAINT "uid_service_ver_council_636604" UNIQUE ("council_id", "service_id", "version")
);
CREATE TABLE "sign_in_attempt" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "key" VARCHAR(300) NOT NULL,
    "at" TIMESTAMP NOT NULL
);
CREATE TABLE "staff_session" (
    "id" VARCHAR(64) NOT NULL  PRIMARY KEY,
    "created_at" TIMESTAMP NOT NULL,
    "last_seen_at" TIMESTAMP NOT NULL,
    "expires_at" TIMESTAMP NOT NULL,
    "address" VARCHAR(64),
    "user_id" INT NOT NULL REFERENCES "staff_user" ("id") ON DELETE CASCADE
);
CREATE TABLE "staff_user" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "password_hash" VARCHAR(200),
    "is_operator" INT NOT NULL,
    "active" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "last_sign_in_at" TIMESTAMP
);
CREATE TABLE "submission" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "reference" VARCHAR(16) NOT NULL UNIQUE,
    "answers" JSON NOT NULL,
    "language" VARCHAR(2) NOT NULL,
    "state" VARCHAR(64) NOT NULL,
    "submitted_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "service_version_id" INT NOT NULL REFERENCES "service_version" ("id") ON DELETE RESTRICT,
    "journey_id" CHAR(36) NOT NULL UNIQUE REFERENCES "journey" ("id") ON DELETE RESTRICT
, "awaiting_payment" INT NOT NULL DEFAULT 0, "assigned_to_id" INT REFERENCES "staff_user" ("id") ON DELETE SET NULL, "due_at" TIMESTAMP, "request" JSON, "service_id" VARCHAR(64) NOT NULL DEFAULT '', "state_entered_at" TIMESTAMP, "version" INT NOT NULL DEFAULT 0);
CREATE TABLE "submission_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "from_state" VARCHAR(64) NOT NULL,
    "to_state" VARCHAR(64) NOT NULL,
    "event" VARCHAR(64) NOT NULL,
    "actor_label" VARCHAR(300) NOT NULL,
    "note" TEXT NOT NULL,
    "visible_to_resident" INT NOT NULL,
    "data" JSON NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "actor_id" INT REFERENCES "staff_user" ("id") ON DELETE RESTRICT,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "submission_id" INT NOT NULL REFERENCES "submission" ("id") ON DELETE RESTRICT
);
CREATE TABLE "tortoise_migrations" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "app" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "applied_at" TIMESTAMP NOT NULL,
    CONSTRAINT "uid_tortoise_mi_app_3803a5" UNIQUE ("app", "name")
);
CREATE TABLE "uploaded_file" (
    "id" CHAR(36) NOT NULL  PRIMARY KEY,
    "field" VARCHAR(500) NOT NULL,
    "filename" VARCHAR(255) NOT NULL,
    "content_type" VARCHAR(255) NOT NULL,
    "size" INT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "storage_key" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "journey_id" CHAR(36) NOT NULL REFERENCES "journey" ("id") ON DELETE CASCADE
);
CREATE TABLE "webhook_delivery" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "event_id" VARCHAR(64) NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "payload" JSON NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP,
    "claimed_until" TIMESTAMP,
    "delivered_at" TIMESTAMP,
    "dead_at" TIMESTAMP,
    "last_status" INT,
    "last_error" TEXT,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "endpoint_id" INT NOT NULL REFERENCES "webhook_endpoint" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_webhook_del_endpoin_331a36" UNIQUE ("endpoint_id", "event_id")
);
CREATE TABLE "webhook_endpoint" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url" VARCHAR(500) NOT NULL,
    "secret" TEXT NOT NULL,
    "events" JSON NOT NULL,
    "active" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT
);
CREATE TABLE "webhook_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "provider" VARCHAR(32) NOT NULL,
    "message_id" VARCHAR(200) NOT NULL,
    "provider_payment_id" VARCHAR(200),
    "received_at" TIMESTAMP NOT NULL,
    CONSTRAINT "uid_webhook_mes_provide_c24ae5" UNIQUE ("provider", "message_id")
);
CREATE TABLE "workflow_timer" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "state" VARCHAR(64) NOT NULL,
    "entered_version" INT NOT NULL,
    "delay_ms" BIGINT NOT NULL,
    "due_at" TIMESTAMP NOT NULL,
    "fired_at" TIMESTAMP,
    "outcome" VARCHAR(32) NOT NULL,
    "council_id" INT NOT NULL REFERENCES "council" ("id") ON DELETE RESTRICT,
    "submission_id" INT NOT NULL REFERENCES "submission" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_workflow_ti_submiss_74b218" UNIQUE ("submission_id", "entered_version", "delay_ms")
);
CREATE INDEX "idx_audit_entry_council_11ae37" ON "audit_entry" ("council_id", "at");
CREATE INDEX "idx_journey_expires_fd678f" ON "journey" ("expires_at");
CREATE INDEX "idx_outbox_mess_recipie_87eed0" ON "outbox_message" ("recipient");
CREATE INDEX "idx_outbox_mess_sent_at_60a75d" ON "outbox_message" ("sent_at", "dead_at", "next_attempt_at");
CREATE INDEX "idx_payment_att_council_dcdd50" ON "payment_attempt" ("council_id", "created_at");
CREATE INDEX "idx_payment_att_expires_831a38" ON "payment_attempt" ("expires_at");
CREATE INDEX "idx_payment_att_state_e74391" ON "payment_attempt" ("state", "expires_at");
CREATE INDEX "idx_service_ver_content_39fe45" ON "service_version" ("content_hash");
CREATE INDEX "idx_sign_in_att_key_b0a970" ON "sign_in_attempt" ("key", "at");
CREATE INDEX "idx_staff_sessi_expires_5fd2d4" ON "staff_session" ("expires_at");
CREATE INDEX "idx_submission__submiss_cab62a" ON "submission_event" ("submission_id", "id");
CREATE INDEX "idx_submission_council_492551" ON "submission" ("council_id", "service_id", "state", "submitted_at", "id");
CREATE INDEX "idx_submission_council_539f8e" ON "submission" ("council_id", "state", "submitted_at", "id");
CREATE INDEX "idx_submission_council_67b881" ON "submission" ("council_id", "submitted_at", "id");
CREATE INDEX "idx_submission_council_77e496" ON "submission" ("council_id", "service_id", "submitted_at", "id");
CREATE INDEX "idx_submission_council_9cd2fd" ON "submission" ("council_id", "due_at");
CREATE INDEX "idx_webhook_del_council_6c61d6" ON "webhook_delivery" ("council_id", "dead_at");
CREATE INDEX "idx_webhook_del_deliver_8d3017" ON "webhook_delivery" ("delivered_at", "dead_at", "next_attempt_at");
CREATE INDEX "idx_workflow_ti_due_at_b5d744" ON "workflow_timer" ("due_at");
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER draft_change_no_delete BEFORE DELETE ON draft_change
BEGIN SELECT RAISE(ABORT, 'draft history is append-only'); END;
CREATE TRIGGER draft_change_no_update BEFORE UPDATE ON draft_change
BEGIN SELECT RAISE(ABORT, 'draft history is append-only'); END;
CREATE TRIGGER submission_event_no_delete BEFORE DELETE ON submission_event
BEGIN SELECT RAISE(ABORT, 'application history is append-only'); END;
CREATE TRIGGER submission_event_no_update BEFORE UPDATE ON submission_event
BEGIN SELECT RAISE(ABORT, 'application history is append-only'); END;
