-- Borough's schema after the migrations: 0001_initial, 0002_staff_and_council_settings, 0003_audit_is_append_only, 0004_payments, 0005_workflow_outbox_webhooks_api, 0006_service_drafts, 0007_catalogue, 0008_catalogue_suggestions, 0009_fork_publisher_name
CREATE FUNCTION public.audit_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;

CREATE FUNCTION public.draft_change_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN RAISE EXCEPTION 'draft history is append-only'; END $$;

CREATE FUNCTION public.submission_event_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN RAISE EXCEPTION 'application history is append-only'; END $$;

CREATE TABLE public.api_key (
    id integer NOT NULL,
    name character varying(200) NOT NULL,
    prefix character varying(16) NOT NULL,
    key_hash character varying(64) NOT NULL,
    scopes jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    council_id integer NOT NULL,
    created_by_id integer
);

COMMENT ON TABLE public.api_key IS 'Per-council API keys for the JSON API';

CREATE SEQUENCE public.api_key_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.api_key_id_seq OWNED BY public.api_key.id;

CREATE TABLE public.audit_entry (
    id integer NOT NULL,
    actor_label character varying(300) NOT NULL,
    action character varying(100) NOT NULL,
    target character varying(300) NOT NULL,
    before jsonb,
    after jsonb,
    address character varying(64),
    at timestamp with time zone NOT NULL,
    actor_id integer,
    council_id integer
);

COMMENT ON TABLE public.audit_entry IS 'Append-only log of staff actions';

CREATE SEQUENCE public.audit_entry_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.audit_entry_id_seq OWNED BY public.audit_entry.id;

CREATE TABLE public.catalogue_fork (
    id integer NOT NULL,
    service_id character varying(64) NOT NULL,
    catalogue character varying(500) NOT NULL,
    publisher character varying(64) NOT NULL,
    upstream_service character varying(64) NOT NULL,
    upstream_version character varying(32) NOT NULL,
    address character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL,
    publisher_name character varying(200)
);

COMMENT ON TABLE public.catalogue_fork IS 'Services imported from a catalogue, with their upstream';

CREATE SEQUENCE public.catalogue_fork_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.catalogue_fork_id_seq OWNED BY public.catalogue_fork.id;

CREATE TABLE public.catalogue_key (
    id integer NOT NULL,
    keyid character varying(64) NOT NULL,
    public_key text NOT NULL,
    sealed_private_key text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    council_id integer NOT NULL
);

COMMENT ON TABLE public.catalogue_key IS 'Councils'' catalogue signing keys, sealed at rest';

CREATE SEQUENCE public.catalogue_key_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.catalogue_key_id_seq OWNED BY public.catalogue_key.id;

CREATE TABLE public.catalogue_suggestion (
    id integer NOT NULL,
    service character varying(64) NOT NULL,
    version character varying(32) NOT NULL,
    address character varying(64) NOT NULL,
    from_council character varying(64) NOT NULL,
    from_name character varying(200) NOT NULL,
    via character varying(16) NOT NULL,
    message text NOT NULL,
    patch jsonb NOT NULL,
    state character varying(16) NOT NULL,
    decided_by_label character varying(300) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    decided_at timestamp with time zone,
    council_id integer NOT NULL
);

COMMENT ON TABLE public.catalogue_suggestion IS 'Changes other councils suggest to a council''s published catalogue services';

CREATE SEQUENCE public.catalogue_suggestion_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.catalogue_suggestion_id_seq OWNED BY public.catalogue_suggestion.id;

CREATE TABLE public.council (
    id integer NOT NULL,
    slug character varying(64) NOT NULL,
    name character varying(200) NOT NULL,
    brand_colour character varying(7) NOT NULL,
    logo_url character varying(500),
    contact_email character varying(254),
    languages jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    accessibility_url character varying(500),
    contact_phone character varying(40),
    email_reply_to character varying(254),
    email_sender_address character varying(254),
    email_sender_name character varying(200),
    payment_account character varying(200),
    payment_provider character varying(32),
    payment_secret text,
    privacy_url character varying(500),
    updated_at timestamp with time zone,
    website_url character varying(500),
    payment_webhook_secret text
);

COMMENT ON TABLE public.council IS 'Councils: the tenancies of this installation';

CREATE SEQUENCE public.council_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.council_id_seq OWNED BY public.council.id;

CREATE TABLE public.draft_change (
    id integer NOT NULL,
    version integer NOT NULL,
    kind character varying(8) NOT NULL,
    operation character varying(64) NOT NULL,
    description text NOT NULL,
    params jsonb NOT NULL,
    patch jsonb NOT NULL,
    inverse jsonb NOT NULL,
    parent_id integer,
    target_id integer,
    actor_label character varying(300) NOT NULL,
    at timestamp with time zone NOT NULL,
    actor_id integer,
    council_id integer NOT NULL,
    draft_id integer NOT NULL
);

COMMENT ON TABLE public.draft_change IS 'Append-only history of every draft: changes, undos and redos';

CREATE SEQUENCE public.draft_change_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.draft_change_id_seq OWNED BY public.draft_change.id;

CREATE TABLE public.journey (
    id uuid NOT NULL,
    answers jsonb NOT NULL,
    visited jsonb NOT NULL,
    language character varying(2) NOT NULL,
    resume_email character varying(254),
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    submitted boolean NOT NULL,
    lock_version integer NOT NULL,
    council_id integer NOT NULL,
    service_version_id integer NOT NULL
);

COMMENT ON TABLE public.journey IS 'Residents'' applications in progress';

CREATE TABLE public.membership (
    id integer NOT NULL,
    roles jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL,
    user_id integer NOT NULL
);

COMMENT ON TABLE public.membership IS 'Staff roles per council';

CREATE SEQUENCE public.membership_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.membership_id_seq OWNED BY public.membership.id;

CREATE TABLE public.one_time_token (
    id character varying(64) NOT NULL,
    kind character varying(16) NOT NULL,
    email character varying(254) NOT NULL,
    roles jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    council_id integer,
    created_by_id integer
);

COMMENT ON TABLE public.one_time_token IS 'Password resets and invitations';

CREATE TABLE public.outbox_message (
    id integer NOT NULL,
    kind character varying(16) NOT NULL,
    recipient character varying(254) NOT NULL,
    subject character varying(500) NOT NULL,
    body_text text NOT NULL,
    idempotency_key character varying(128) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    attempts integer NOT NULL,
    last_error text,
    council_id integer,
    claimed_until timestamp with time zone,
    dead_at timestamp with time zone,
    language character varying(2) DEFAULT 'en'::character varying NOT NULL,
    next_attempt_at timestamp with time zone,
    transport character varying(16) DEFAULT ''::character varying NOT NULL,
    transport_id character varying(200)
);

COMMENT ON TABLE public.outbox_message IS 'Emails to send, at most once per idempotency key';

CREATE SEQUENCE public.outbox_message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.outbox_message_id_seq OWNED BY public.outbox_message.id;

CREATE TABLE public.payment_attempt (
    id integer NOT NULL,
    reference character varying(32) NOT NULL,
    return_token character varying(64) NOT NULL,
    idempotency_key character varying(64) NOT NULL,
    provider character varying(32) NOT NULL,
    provider_payment_id character varying(200),
    amount integer NOT NULL,
    fees jsonb NOT NULL,
    state character varying(16) NOT NULL,
    failure_reason character varying(32),
    next_url text,
    card_brand character varying(40),
    last_four character varying(4),
    flagged_for_refund boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL,
    submission_id integer NOT NULL
);

COMMENT ON TABLE public.payment_attempt IS 'Payment attempts, one way through their states';

CREATE SEQUENCE public.payment_attempt_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.payment_attempt_id_seq OWNED BY public.payment_attempt.id;

CREATE TABLE public.payment_event (
    id integer NOT NULL,
    from_state character varying(16) NOT NULL,
    to_state character varying(16) NOT NULL,
    source character varying(16) NOT NULL,
    detail jsonb,
    at timestamp with time zone NOT NULL,
    attempt_id integer NOT NULL
);

COMMENT ON TABLE public.payment_event IS 'Payment attempts'' state history';

CREATE SEQUENCE public.payment_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.payment_event_id_seq OWNED BY public.payment_event.id;

CREATE TABLE public.refund (
    id integer NOT NULL,
    amount integer NOT NULL,
    state character varying(16) NOT NULL,
    provider_refund_id character varying(200),
    idempotency_key character varying(64) NOT NULL,
    reason character varying(500) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    attempt_id integer NOT NULL,
    council_id integer NOT NULL,
    created_by_id integer
);

COMMENT ON TABLE public.refund IS 'Refunds of payments';

CREATE SEQUENCE public.refund_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.refund_id_seq OWNED BY public.refund.id;

CREATE TABLE public.sandbox_payment (
    id character varying(40) NOT NULL,
    amount integer NOT NULL,
    reference character varying(255) NOT NULL,
    description character varying(255) NOT NULL,
    return_url text NOT NULL,
    status character varying(16) NOT NULL,
    code character varying(8),
    last_four character varying(4),
    refunded integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL
);

COMMENT ON TABLE public.sandbox_payment IS 'The sandbox payment provider''s payments';

CREATE TABLE public.service_draft (
    id integer NOT NULL,
    service_id character varying(64) NOT NULL,
    definition jsonb NOT NULL,
    version integer NOT NULL,
    head_change_id integer,
    source character varying(200) NOT NULL,
    published_draft_version integer,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    updated_by_label character varying(300) NOT NULL,
    council_id integer NOT NULL,
    updated_by_id integer
);

COMMENT ON TABLE public.service_draft IS 'Each service''s one working draft per council';

CREATE SEQUENCE public.service_draft_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.service_draft_id_seq OWNED BY public.service_draft.id;

CREATE TABLE public.service_version (
    id integer NOT NULL,
    service_id character varying(64) NOT NULL,
    version character varying(32) NOT NULL,
    content_hash character varying(64) NOT NULL,
    definition jsonb NOT NULL,
    title character varying(500) NOT NULL,
    published_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL,
    change_note text,
    published_by_id integer,
    published_by_label character varying(300)
);

COMMENT ON TABLE public.service_version IS 'Published, immutable service definition versions';

CREATE SEQUENCE public.service_version_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.service_version_id_seq OWNED BY public.service_version.id;

CREATE TABLE public.sign_in_attempt (
    id integer NOT NULL,
    key character varying(300) NOT NULL,
    at timestamp with time zone NOT NULL
);

COMMENT ON TABLE public.sign_in_attempt IS 'Failed sign-ins, for rate limiting';

CREATE SEQUENCE public.sign_in_attempt_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.sign_in_attempt_id_seq OWNED BY public.sign_in_attempt.id;

CREATE TABLE public.staff_session (
    id character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    address character varying(64),
    user_id integer NOT NULL
);

COMMENT ON TABLE public.staff_session IS 'Signed-in staff browsers';

CREATE TABLE public.staff_user (
    id integer NOT NULL,
    email character varying(254) NOT NULL,
    name character varying(200) NOT NULL,
    password_hash character varying(200),
    is_operator boolean NOT NULL,
    active boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_sign_in_at timestamp with time zone
);

COMMENT ON TABLE public.staff_user IS 'Staff and operators who sign in';

CREATE SEQUENCE public.staff_user_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.staff_user_id_seq OWNED BY public.staff_user.id;

CREATE TABLE public.submission (
    id integer NOT NULL,
    reference character varying(16) NOT NULL,
    answers jsonb NOT NULL,
    language character varying(2) NOT NULL,
    state character varying(64) NOT NULL,
    submitted_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL,
    service_version_id integer NOT NULL,
    journey_id uuid NOT NULL,
    awaiting_payment boolean DEFAULT false NOT NULL,
    assigned_to_id integer,
    due_at timestamp with time zone,
    request jsonb,
    service_id character varying(64) DEFAULT ''::character varying NOT NULL,
    state_entered_at timestamp with time zone,
    version integer DEFAULT 0 NOT NULL
);

COMMENT ON TABLE public.submission IS 'Submitted applications, one per journey';

CREATE TABLE public.submission_event (
    id integer NOT NULL,
    from_state character varying(64) NOT NULL,
    to_state character varying(64) NOT NULL,
    event character varying(64) NOT NULL,
    actor_label character varying(300) NOT NULL,
    note text NOT NULL,
    visible_to_resident boolean NOT NULL,
    data jsonb NOT NULL,
    at timestamp with time zone NOT NULL,
    actor_id integer,
    council_id integer NOT NULL,
    submission_id integer NOT NULL
);

COMMENT ON TABLE public.submission_event IS 'Append-only history of each application''s workflow';

CREATE SEQUENCE public.submission_event_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.submission_event_id_seq OWNED BY public.submission_event.id;

CREATE SEQUENCE public.submission_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.submission_id_seq OWNED BY public.submission.id;

CREATE TABLE public.tortoise_migrations (
    id integer NOT NULL,
    app character varying(255) NOT NULL,
    name character varying(255) NOT NULL,
    applied_at timestamp with time zone NOT NULL
);

CREATE SEQUENCE public.tortoise_migrations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.tortoise_migrations_id_seq OWNED BY public.tortoise_migrations.id;

CREATE TABLE public.uploaded_file (
    id uuid NOT NULL,
    field character varying(500) NOT NULL,
    filename character varying(255) NOT NULL,
    content_type character varying(255) NOT NULL,
    size integer NOT NULL,
    sha256 character varying(64) NOT NULL,
    storage_key character varying(255) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL,
    journey_id uuid NOT NULL
);

COMMENT ON TABLE public.uploaded_file IS 'Files residents uploaded (the bytes are in the file store)';

CREATE TABLE public.webhook_delivery (
    id integer NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(64) NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone,
    claimed_until timestamp with time zone,
    delivered_at timestamp with time zone,
    dead_at timestamp with time zone,
    last_status integer,
    last_error text,
    council_id integer NOT NULL,
    endpoint_id integer NOT NULL
);

COMMENT ON TABLE public.webhook_delivery IS 'Signed back-office webhook deliveries, with retries and dead letters';

CREATE SEQUENCE public.webhook_delivery_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.webhook_delivery_id_seq OWNED BY public.webhook_delivery.id;

CREATE TABLE public.webhook_endpoint (
    id integer NOT NULL,
    url character varying(500) NOT NULL,
    secret text NOT NULL,
    events jsonb NOT NULL,
    active boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    council_id integer NOT NULL
);

COMMENT ON TABLE public.webhook_endpoint IS 'Back-office webhook endpoints per council';

CREATE SEQUENCE public.webhook_endpoint_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.webhook_endpoint_id_seq OWNED BY public.webhook_endpoint.id;

CREATE TABLE public.webhook_message (
    id integer NOT NULL,
    provider character varying(32) NOT NULL,
    message_id character varying(200) NOT NULL,
    provider_payment_id character varying(200),
    received_at timestamp with time zone NOT NULL
);

COMMENT ON TABLE public.webhook_message IS 'Provider webhooks already processed';

CREATE SEQUENCE public.webhook_message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.webhook_message_id_seq OWNED BY public.webhook_message.id;

CREATE TABLE public.workflow_timer (
    id integer NOT NULL,
    state character varying(64) NOT NULL,
    entered_version integer NOT NULL,
    delay_ms bigint NOT NULL,
    due_at timestamp with time zone NOT NULL,
    fired_at timestamp with time zone,
    outcome character varying(32) NOT NULL,
    council_id integer NOT NULL,
    submission_id integer NOT NULL
);

COMMENT ON TABLE public.workflow_timer IS 'Statechart timers waiting to fire';

CREATE SEQUENCE public.workflow_timer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.workflow_timer_id_seq OWNED BY public.workflow_timer.id;

ALTER TABLE ONLY public.api_key ALTER COLUMN id SET DEFAULT nextval('public.api_key_id_seq'::regclass);

ALTER TABLE ONLY public.audit_entry ALTER COLUMN id SET DEFAULT nextval('public.audit_entry_id_seq'::regclass);

ALTER TABLE ONLY public.catalogue_fork ALTER COLUMN id SET DEFAULT nextval('public.catalogue_fork_id_seq'::regclass);

ALTER TABLE ONLY public.catalogue_key ALTER COLUMN id SET DEFAULT nextval('public.catalogue_key_id_seq'::regclass);

ALTER TABLE ONLY public.catalogue_suggestion ALTER COLUMN id SET DEFAULT nextval('public.catalogue_suggestion_id_seq'::regclass);

ALTER TABLE ONLY public.council ALTER COLUMN id SET DEFAULT nextval('public.council_id_seq'::regclass);

ALTER TABLE ONLY public.draft_change ALTER COLUMN id SET DEFAULT nextval('public.draft_change_id_seq'::regclass);

ALTER TABLE ONLY public.membership ALTER COLUMN id SET DEFAULT nextval('public.membership_id_seq'::regclass);

ALTER TABLE ONLY public.outbox_message ALTER COLUMN id SET DEFAULT nextval('public.outbox_message_id_seq'::regclass);

ALTER TABLE ONLY public.payment_attempt ALTER COLUMN id SET DEFAULT nextval('public.payment_attempt_id_seq'::regclass);

ALTER TABLE ONLY public.payment_event ALTER COLUMN id SET DEFAULT nextval('public.payment_event_id_seq'::regclass);

ALTER TABLE ONLY public.refund ALTER COLUMN id SET DEFAULT nextval('public.refund_id_seq'::regclass);

ALTER TABLE ONLY public.service_draft ALTER COLUMN id SET DEFAULT nextval('public.service_draft_id_seq'::regclass);

ALTER TABLE ONLY public.service_version ALTER COLUMN id SET DEFAULT nextval('public.service_version_id_seq'::regclass);

ALTER TABLE ONLY public.sign_in_attempt ALTER COLUMN id SET DEFAULT nextval('public.sign_in_attempt_id_seq'::regclass);

ALTER TABLE ONLY public.staff_user ALTER COLUMN id SET DEFAULT nextval('public.staff_user_id_seq'::regclass);

ALTER TABLE ONLY public.submission ALTER COLUMN id SET DEFAULT nextval('public.submission_id_seq'::regclass);

ALTER TABLE ONLY public.submission_event ALTER COLUMN id SET DEFAULT nextval('public.submission_event_id_seq'::regclass);

ALTER TABLE ONLY public.tortoise_migrations ALTER COLUMN id SET DEFAULT nextval('public.tortoise_migrations_id_seq'::regclass);

ALTER TABLE ONLY public.webhook_delivery ALTER COLUMN id SET DEFAULT nextval('public.webhook_delivery_id_seq'::regclass);

ALTER TABLE ONLY public.webhook_endpoint ALTER COLUMN id SET DEFAULT nextval('public.webhook_endpoint_id_seq'::regclass);

ALTER TABLE ONLY public.webhook_message ALTER COLUMN id SET DEFAULT nextval('public.webhook_message_id_seq'::regclass);

ALTER TABLE ONLY public.workflow_timer ALTER COLUMN id SET DEFAULT nextval('public.workflow_timer_id_seq'::regclass);

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_key_hash_key UNIQUE (key_hash);

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_prefix_key UNIQUE (prefix);

ALTER TABLE ONLY public.audit_entry
    ADD CONSTRAINT audit_entry_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.catalogue_fork
    ADD CONSTRAINT catalogue_fork_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.catalogue_key
    ADD CONSTRAINT catalogue_key_keyid_key UNIQUE (keyid);

ALTER TABLE ONLY public.catalogue_key
    ADD CONSTRAINT catalogue_key_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.catalogue_suggestion
    ADD CONSTRAINT catalogue_suggestion_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.council
    ADD CONSTRAINT council_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.council
    ADD CONSTRAINT council_slug_key UNIQUE (slug);

ALTER TABLE ONLY public.draft_change
    ADD CONSTRAINT draft_change_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.journey
    ADD CONSTRAINT journey_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.membership
    ADD CONSTRAINT membership_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.one_time_token
    ADD CONSTRAINT one_time_token_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.outbox_message
    ADD CONSTRAINT outbox_message_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.outbox_message
    ADD CONSTRAINT outbox_message_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_reference_key UNIQUE (reference);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_return_token_key UNIQUE (return_token);

ALTER TABLE ONLY public.payment_event
    ADD CONSTRAINT payment_event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sandbox_payment
    ADD CONSTRAINT sandbox_payment_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.service_draft
    ADD CONSTRAINT service_draft_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.service_version
    ADD CONSTRAINT service_version_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sign_in_attempt
    ADD CONSTRAINT sign_in_attempt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.staff_session
    ADD CONSTRAINT staff_session_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.staff_user
    ADD CONSTRAINT staff_user_email_key UNIQUE (email);

ALTER TABLE ONLY public.staff_user
    ADD CONSTRAINT staff_user_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.submission_event
    ADD CONSTRAINT submission_event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_journey_id_key UNIQUE (journey_id);

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_reference_key UNIQUE (reference);

ALTER TABLE ONLY public.tortoise_migrations
    ADD CONSTRAINT tortoise_migrations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.catalogue_fork
    ADD CONSTRAINT uid_catalogue_f_council_a1f998 UNIQUE (council_id, service_id);

ALTER TABLE ONLY public.draft_change
    ADD CONSTRAINT uid_draft_chang_draft_i_7a8478 UNIQUE (draft_id, version);

ALTER TABLE ONLY public.membership
    ADD CONSTRAINT uid_membership_user_id_25e49f UNIQUE (user_id, council_id);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT uid_payment_att_provide_776466 UNIQUE (provider, provider_payment_id);

ALTER TABLE ONLY public.service_draft
    ADD CONSTRAINT uid_service_dra_council_77f475 UNIQUE (council_id, service_id);

ALTER TABLE ONLY public.service_version
    ADD CONSTRAINT uid_service_ver_council_636604 UNIQUE (council_id, service_id, version);

ALTER TABLE ONLY public.tortoise_migrations
    ADD CONSTRAINT uid_tortoise_mi_app_3803a5 UNIQUE (app, name);

ALTER TABLE ONLY public.webhook_delivery
    ADD CONSTRAINT uid_webhook_del_endpoin_331a36 UNIQUE (endpoint_id, event_id);

ALTER TABLE ONLY public.webhook_message
    ADD CONSTRAINT uid_webhook_mes_provide_c24ae5 UNIQUE (provider, message_id);

ALTER TABLE ONLY public.workflow_timer
    ADD CONSTRAINT uid_workflow_ti_submiss_74b218 UNIQUE (submission_id, entered_version, delay_ms);

ALTER TABLE ONLY public.uploaded_file
    ADD CONSTRAINT uploaded_file_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_delivery
    ADD CONSTRAINT webhook_delivery_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_endpoint
    ADD CONSTRAINT webhook_endpoint_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_message
    ADD CONSTRAINT webhook_message_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.workflow_timer
    ADD CONSTRAINT workflow_timer_pkey PRIMARY KEY (id);

CREATE INDEX idx_audit_entry_council_11ae37 ON public.audit_entry USING btree (council_id, at);

CREATE INDEX idx_journey_expires_fd678f ON public.journey USING btree (expires_at);

CREATE INDEX idx_outbox_mess_recipie_87eed0 ON public.outbox_message USING btree (recipient);

CREATE INDEX idx_outbox_mess_sent_at_60a75d ON public.outbox_message USING btree (sent_at, dead_at, next_attempt_at);

CREATE INDEX idx_payment_att_council_dcdd50 ON public.payment_attempt USING btree (council_id, created_at);

CREATE INDEX idx_payment_att_expires_831a38 ON public.payment_attempt USING btree (expires_at);

CREATE INDEX idx_payment_att_state_e74391 ON public.payment_attempt USING btree (state, expires_at);

CREATE INDEX idx_service_ver_content_39fe45 ON public.service_version USING btree (content_hash);

CREATE INDEX idx_sign_in_att_key_b0a970 ON public.sign_in_attempt USING btree (key, at);

CREATE INDEX idx_staff_sessi_expires_5fd2d4 ON public.staff_session USING btree (expires_at);

CREATE INDEX idx_submission__submiss_cab62a ON public.submission_event USING btree (submission_id, id);

CREATE INDEX idx_submission_council_492551 ON public.submission USING btree (council_id, service_id, state, submitted_at, id);

CREATE INDEX idx_submission_council_539f8e ON public.submission USING btree (council_id, state, submitted_at, id);

CREATE INDEX idx_submission_council_67b881 ON public.submission USING btree (council_id, submitted_at, id);

CREATE INDEX idx_submission_council_77e496 ON public.submission USING btree (council_id, service_id, submitted_at, id);

CREATE INDEX idx_submission_council_9cd2fd ON public.submission USING btree (council_id, due_at);

CREATE INDEX idx_webhook_del_council_6c61d6 ON public.webhook_delivery USING btree (council_id, dead_at);

CREATE INDEX idx_webhook_del_deliver_8d3017 ON public.webhook_delivery USING btree (delivered_at, dead_at, next_attempt_at);

CREATE INDEX idx_workflow_ti_due_at_b5d744 ON public.workflow_timer USING btree (due_at);

CREATE TRIGGER audit_entry_no_change BEFORE DELETE OR UPDATE ON public.audit_entry FOR EACH ROW EXECUTE FUNCTION public.audit_entry_append_only();

CREATE TRIGGER draft_change_no_change BEFORE DELETE OR UPDATE ON public.draft_change FOR EACH ROW EXECUTE FUNCTION public.draft_change_append_only();

CREATE TRIGGER submission_event_no_change BEFORE DELETE OR UPDATE ON public.submission_event FOR EACH ROW EXECUTE FUNCTION public.submission_event_append_only();

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_created_by_id_fkey FOREIGN KEY (created_by_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.audit_entry
    ADD CONSTRAINT audit_entry_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.audit_entry
    ADD CONSTRAINT audit_entry_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.catalogue_fork
    ADD CONSTRAINT catalogue_fork_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.catalogue_key
    ADD CONSTRAINT catalogue_key_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.catalogue_suggestion
    ADD CONSTRAINT catalogue_suggestion_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.draft_change
    ADD CONSTRAINT draft_change_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.draft_change
    ADD CONSTRAINT draft_change_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.draft_change
    ADD CONSTRAINT draft_change_draft_id_fkey FOREIGN KEY (draft_id) REFERENCES public.service_draft(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.journey
    ADD CONSTRAINT journey_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.journey
    ADD CONSTRAINT journey_service_version_id_fkey FOREIGN KEY (service_version_id) REFERENCES public.service_version(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.membership
    ADD CONSTRAINT membership_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.membership
    ADD CONSTRAINT membership_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.staff_user(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.one_time_token
    ADD CONSTRAINT one_time_token_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.one_time_token
    ADD CONSTRAINT one_time_token_created_by_id_fkey FOREIGN KEY (created_by_id) REFERENCES public.staff_user(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.outbox_message
    ADD CONSTRAINT outbox_message_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submission(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.payment_event
    ADD CONSTRAINT payment_event_attempt_id_fkey FOREIGN KEY (attempt_id) REFERENCES public.payment_attempt(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_attempt_id_fkey FOREIGN KEY (attempt_id) REFERENCES public.payment_attempt(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_created_by_id_fkey FOREIGN KEY (created_by_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.sandbox_payment
    ADD CONSTRAINT sandbox_payment_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.service_draft
    ADD CONSTRAINT service_draft_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.service_draft
    ADD CONSTRAINT service_draft_updated_by_id_fkey FOREIGN KEY (updated_by_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.service_version
    ADD CONSTRAINT service_version_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.service_version
    ADD CONSTRAINT service_version_published_by_id_fkey FOREIGN KEY (published_by_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.staff_session
    ADD CONSTRAINT staff_session_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.staff_user(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_assigned_to_id_fkey FOREIGN KEY (assigned_to_id) REFERENCES public.staff_user(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.submission_event
    ADD CONSTRAINT submission_event_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.staff_user(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.submission_event
    ADD CONSTRAINT submission_event_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.submission_event
    ADD CONSTRAINT submission_event_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submission(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_journey_id_fkey FOREIGN KEY (journey_id) REFERENCES public.journey(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_service_version_id_fkey FOREIGN KEY (service_version_id) REFERENCES public.service_version(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.uploaded_file
    ADD CONSTRAINT uploaded_file_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.uploaded_file
    ADD CONSTRAINT uploaded_file_journey_id_fkey FOREIGN KEY (journey_id) REFERENCES public.journey(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.webhook_delivery
    ADD CONSTRAINT webhook_delivery_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.webhook_delivery
    ADD CONSTRAINT webhook_delivery_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES public.webhook_endpoint(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.webhook_endpoint
    ADD CONSTRAINT webhook_endpoint_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.workflow_timer
    ADD CONSTRAINT workflow_timer_council_id_fkey FOREIGN KEY (council_id) REFERENCES public.council(id) ON DELETE RESTRICT;

ALTER TABLE ONLY public.workflow_timer
    ADD CONSTRAINT workflow_timer_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submission(id) ON DELETE RESTRICT;
