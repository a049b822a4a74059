package checklist

// mapping says how one line of the checklist is verified. The table below
// is keyed by the line's section and exact text; a test proves that every
// line of the embedded document has exactly one entry, that every check
// ID named exists, and that each such check's Meta.Section and Meta.Item
// are the line's own.
type mapping struct {
	section, text string
	id            string
	kind          Kind
	checks        []string // Automated: exact IDs or path.Match globs
	fallback      bool     // Automated: "attest." + id stands in when the checks' target is not configured
	why           string
}

type mappingKey struct{ section, text string }

func mappingIndex() map[mappingKey]mapping {
	idx := make(map[mappingKey]mapping, len(mappings))
	for _, m := range mappings {
		idx[mappingKey{m.section, m.text}] = m
	}
	return idx
}

// Sections of the checklist, as Item.Section spells them.
const (
	secAuth        = "Security Hardening / Authentication"
	secAPI         = "Security Hardening / API Security"
	secDBSecurity  = "Security Hardening / Database Security"
	secEnv         = "Configuration Management / Environment Variables"
	secConfigFiles = "Configuration Management / Configuration Files"
	secPrometheus  = "Monitoring & Observability / Prometheus Metrics"
	secGrafana     = "Monitoring & Observability / Grafana Dashboards"
	secLogging     = "Monitoring & Observability / Logging"
	secOracle      = "Database Management / Oracle"
	secPostgres    = "Database Management / PostgreSQL"
	secMongo       = "Database Management / MongoDB"
	secDocker      = "Deployment / Docker & Infrastructure"
	secNetwork     = "Deployment / Network Security"
	secBackup      = "Deployment / Backup & Recovery"
	secCaching     = "Performance Optimization / Caching"
	secDBOpt       = "Performance Optimization / Database Optimization"
	secAppPerf     = "Performance Optimization / Application Performance"
	secCompliance  = "Compliance & Governance"
	secDocs        = "Documentation"
	secTesting     = "Testing"
	secPreDeploy   = "Pre-Deployment Checklist"
)

// Reasons shared by several lines.
const (
	whyPrometheus = "no check reads a Prometheus endpoint or its rules yet; the observability family is not built"
	whyGrafana    = "no check reads Grafana dashboards yet; the observability family is not built"
	whyLogging    = "no check reads the application's logs or log pipeline yet; the logging family is not built"
	whyOracle     = "no Oracle check is built yet (it needs a mock server, no Oracle runs here)"
	whyMongo      = "no MongoDB check is built yet"
	whyCaching    = "no Redis or caching check is built yet"
	whyInfra      = "it lives in the hosting platform (cloud, orchestrator, network gear), which no check reads"
	whyTesting    = "a test campaign is run and judged by people or other tools; no check reads its results yet"
	whyPolicy     = "a policy or legal decision; no file or server proves it, so no check is built"
)

// mappings holds one entry per line of production-checklist.md, in
// document order.
var mappings = []mapping{
	// Security Hardening / Authentication
	{section: secAuth, text: "JWT-based authentication implemented", id: "authentication.jwt", kind: Automated,
		checks: []string{"security.jwt.enforced", "security.session.jwt-unsigned"}},
	{section: secAuth, text: "Use strong, random JWT_SECRET (64+ characters)", id: "authentication.jwt-secret", kind: Automated,
		checks: []string{"security.secrets.strength"}},
	{section: secAuth, text: "Enable HTTPS/SSL for all services", id: "authentication.https", kind: Automated,
		checks: []string{"security.https.*", "security.tls.*", "security.cookies.secure"}},
	{section: secAuth, text: "Implement password complexity requirements", id: "authentication.password-complexity", kind: Automated,
		checks: []string{"security.password.policy", "security.password.signup"}},
	{section: secAuth, text: "Add MFA (Multi-Factor Authentication)", id: "authentication.mfa", kind: Automated,
		checks: []string{"security.mfa.enforced"}, fallback: true,
		why: "without a test account's login flow, no machine can see a second factor being asked for"},
	{section: secAuth, text: "Session timeout configuration", id: "authentication.session-timeout", kind: Automated,
		checks: []string{"security.session.cookie-lifetime", "security.session.jwt-lifetime", "security.cookies.host-prefix"}},

	// Security Hardening / API Security
	{section: secAPI, text: "CORS properly configured", id: "api-security.cors", kind: Automated,
		checks: []string{"security.cors.*"}},
	{section: secAPI, text: "Security headers added (X-Frame-Options, X-Content-Type-Options, etc.)", id: "api-security.headers", kind: Automated,
		checks: []string{
			"security.headers.cache-control", "security.headers.coep", "security.headers.content-type-options",
			"security.headers.coop", "security.headers.corp", "security.headers.frame-options", "security.headers.grade",
			"security.headers.referrer-policy", "security.headers.server-disclosure",
		}},
	{section: secAPI, text: "Rate limiting implemented", id: "api-security.rate-limiting", kind: Automated,
		checks: []string{"security.ratelimit.*"}},
	{section: secAPI, text: "Input validation on all endpoints", id: "api-security.input-validation", kind: Automated,
		checks: []string{"security.input.*"}},
	{section: secAPI, text: "SQL injection prevention", id: "api-security.sql-injection", kind: Automated,
		checks: []string{"security.sqli.*"}},
	{section: secAPI, text: "XSS protection", id: "api-security.xss", kind: Automated,
		checks: []string{"security.xss.reflected", "security.headers.csp", "security.cookies.httponly", "security.cookies.samesite"}},
	{section: secAPI, text: "API key rotation policy", id: "api-security.key-rotation", kind: Automated,
		checks: []string{"security.keys.rotation"}},

	// Security Hardening / Database Security
	{section: secDBSecurity, text: "Change all default passwords", id: "database-security.default-passwords", kind: Automated,
		checks: []string{"postgres.password.default"}},
	{section: secDBSecurity, text: "Use strong database passwords (16+ characters, mixed case, numbers, symbols)", id: "database-security.strong-passwords", kind: Automated,
		checks: []string{"database.dsn.password", "postgres.password.encryption", "postgres.hba.auth"}},
	{section: secDBSecurity, text: "Enable database connection encryption (SSL/TLS)", id: "database-security.encryption", kind: Automated,
		checks: []string{"database.dsn.tls", "database.dsn.tls-verify", "postgres.tls.*"}},
	{section: secDBSecurity, text: "Regular database backups", id: "database-security.backups", kind: Automated,
		checks: []string{"postgres.backup.recent"}},
	{section: secDBSecurity, text: "Restrict database access to specific IPs", id: "database-security.restrict-access", kind: Automated,
		checks: []string{"postgres.access.*"}},
	{section: secDBSecurity, text: "Enable database audit logging", id: "database-security.audit-logging", kind: Automated,
		checks: []string{"postgres.audit.*"}},

	// Configuration Management / Environment Variables
	{section: secEnv, text: "Create `.env` file from `.env.production.example`", id: "environment.env-file", kind: Automated,
		checks: []string{"config.env.exists", "config.env.complete", "config.env.extra-keys"}},
	{section: secEnv, text: "Set all sensitive values", id: "environment.sensitive-values", kind: Automated,
		checks: []string{"config.env.placeholders", "docker.compose.variables"}},
	{section: secEnv, text: "Never commit `.env` file to git", id: "environment.env-not-committed", kind: Automated,
		checks: []string{"config.git.*", "docker.dockerfile.env-excluded"}},
	{section: secEnv, text: "Use secret management service (AWS Secrets Manager, HashiCorp Vault)", id: "environment.secret-management", kind: Automated,
		checks: []string{
			"security.secrets.managed", "docker.compose.secrets", "docker.compose.secret-strength",
			"docker.dockerfile.secrets", "docker.dockerfile.build-secrets",
		}},
	{section: secEnv, text: "Document all required environment variables", id: "environment.documented", kind: Automated,
		checks: []string{"config.env.documented"}},

	// Configuration Management / Configuration Files
	{section: secConfigFiles, text: "Review `docker-compose.yml` for production settings", id: "configuration-files.compose-review", kind: Automated,
		checks: []string{
			"docker.compose.syntax", "docker.compose.restart-policy", "docker.compose.non-root", "docker.compose.unprivileged",
			"docker.compose.no-runtime-socket", "docker.compose.no-host-namespaces", "docker.compose.no-new-privileges",
			"docker.compose.no-dangerous-capabilities", "docker.compose.cap-drop", "docker.compose.confinement",
			"docker.compose.read-only-rootfs", "docker.compose.devices", "docker.compose.host-paths",
			"docker.compose.host-paths-read-only", "docker.compose.mount-propagation",
		}},
	{section: secConfigFiles, text: "Configure proper resource limits (CPU, memory)", id: "configuration-files.resource-limits", kind: Automated,
		checks: []string{"docker.compose.cpu-limit", "docker.compose.memory-limit"}},
	{section: secConfigFiles, text: "Set appropriate health check intervals", id: "configuration-files.healthcheck-intervals", kind: NotAutomated,
		why: "docker.compose.healthcheck proves each service has a healthcheck; whether its interval suits the service is a judgement no rule makes yet"},
	{section: secConfigFiles, text: "Configure backup strategies", id: "configuration-files.backup-strategies", kind: NotAutomated,
		why: "a backup strategy spans tools and storage no check reads yet; postgres.backup.recent only proves a recent PostgreSQL backup"},

	// Monitoring & Observability / Prometheus Metrics
	{section: secPrometheus, text: "HTTP request metrics", id: "prometheus.http-request-metrics", kind: NotAutomated, why: whyPrometheus},
	{section: secPrometheus, text: "Error tracking", id: "prometheus.error-tracking", kind: NotAutomated, why: whyPrometheus},
	{section: secPrometheus, text: "Response time metrics", id: "prometheus.response-time-metrics", kind: NotAutomated, why: whyPrometheus},
	{section: secPrometheus, text: "Custom business metrics", id: "prometheus.business-metrics", kind: NotAutomated, why: whyPrometheus},
	{section: secPrometheus, text: "Disk usage monitoring", id: "prometheus.disk-usage", kind: NotAutomated, why: whyPrometheus},
	{section: secPrometheus, text: "Memory usage monitoring", id: "prometheus.memory-usage", kind: NotAutomated, why: whyPrometheus},

	// Monitoring & Observability / Grafana Dashboards
	{section: secGrafana, text: "System health monitoring", id: "grafana.system-health", kind: NotAutomated, why: whyGrafana},
	{section: secGrafana, text: "Database connection status", id: "grafana.database-connections", kind: NotAutomated, why: whyGrafana},
	{section: secGrafana, text: "Real-time alert visualization", id: "grafana.alert-visualization", kind: NotAutomated, why: whyGrafana},
	{section: secGrafana, text: "Performance trends", id: "grafana.performance-trends", kind: NotAutomated, why: whyGrafana},
	{section: secGrafana, text: "Error rate tracking", id: "grafana.error-rate", kind: NotAutomated, why: whyGrafana},

	// Monitoring & Observability / Logging
	{section: secLogging, text: "Structured logging (JSON format)", id: "logging.structured", kind: NotAutomated, why: whyLogging},
	{section: secLogging, text: "Log aggregation (ELK Stack, Loki)", id: "logging.aggregation", kind: NotAutomated, why: whyLogging},
	{section: secLogging, text: "Error tracking (Sentry, Rollbar)", id: "logging.error-tracking", kind: NotAutomated, why: whyLogging},
	{section: secLogging, text: "Set appropriate log retention policy", id: "logging.retention", kind: Automated,
		checks: []string{"docker.compose.log-rotation"}},
	{section: secLogging, text: "Enable audit logging for sensitive operations", id: "logging.audit", kind: NotAutomated,
		why: "which operations are sensitive is the application's own knowledge; no check reads its audit log yet"},

	// Database Management / Oracle
	{section: secOracle, text: "Set up automatic backups", id: "oracle.automatic-backups", kind: NotAutomated, why: whyOracle},
	{section: secOracle, text: "Configure retention policy", id: "oracle.retention", kind: NotAutomated, why: whyOracle},
	{section: secOracle, text: "Enable archive logging", id: "oracle.archive-logging", kind: NotAutomated, why: whyOracle},
	{section: secOracle, text: "Regular performance tuning", id: "oracle.performance-tuning", kind: NotAutomated, why: whyOracle},
	{section: secOracle, text: "Index optimization", id: "oracle.index-optimization", kind: NotAutomated, why: whyOracle},

	// Database Management / PostgreSQL
	{section: secPostgres, text: "Enable WAL (Write-Ahead Logging)", id: "postgresql.wal", kind: Automated,
		checks: []string{"postgres.wal.*"}},
	{section: secPostgres, text: "Configure streaming replication", id: "postgresql.streaming-replication", kind: Automated,
		checks: []string{"postgres.replication.*"}},
	{section: secPostgres, text: "Set up pgBouncer for connection pooling", id: "postgresql.pgbouncer", kind: Automated,
		checks: []string{"postgres.pgbouncer.*"}},
	{section: secPostgres, text: "Regular VACUUM and ANALYZE", id: "postgresql.vacuum", kind: Automated,
		checks: []string{"postgres.vacuum.*"}},

	// Database Management / MongoDB
	{section: secMongo, text: "Enable authentication", id: "mongodb.authentication", kind: NotAutomated, why: whyMongo},
	{section: secMongo, text: "Configure replica sets for high availability", id: "mongodb.replica-sets", kind: NotAutomated, why: whyMongo},
	{section: secMongo, text: "Set up oplog retention", id: "mongodb.oplog-retention", kind: NotAutomated, why: whyMongo},
	{section: secMongo, text: "Enable journaling", id: "mongodb.journaling", kind: NotAutomated, why: whyMongo},

	// Deployment / Docker & Infrastructure
	{section: secDocker, text: "Use production-ready images (no `:latest` tags)", id: "docker-infrastructure.image-tags", kind: Automated,
		checks: []string{
			"docker.compose.image-pinned", "docker.compose.image-major-only", "docker.compose.build-pull-policy",
			"docker.dockerfile.base-pinned", "docker.dockerfile.base-major-only",
			"docker.dockerfile.user", "docker.dockerfile.user-entrypoint",
		}},
	{section: secDocker, text: "Implement health checks", id: "docker-infrastructure.health-checks", kind: Automated,
		checks: []string{"docker.compose.healthcheck", "docker.dockerfile.healthcheck"}},
	{section: secDocker, text: "Configure resource limits", id: "docker-infrastructure.resource-limits", kind: Automated,
		checks: []string{"docker.compose.pids-limit"}},
	{section: secDocker, text: "Set up auto-scaling", id: "docker-infrastructure.auto-scaling", kind: NotAutomated, why: whyInfra},
	{section: secDocker, text: "Implement blue-green deployment", id: "docker-infrastructure.blue-green", kind: NotAutomated, why: whyInfra},
	{section: secDocker, text: "Set up CI/CD pipeline", id: "docker-infrastructure.ci-cd", kind: NotAutomated,
		why: "no check reads CI configuration yet"},

	// Deployment / Network Security
	{section: secNetwork, text: "Configure firewall rules", id: "network-security.firewall", kind: NotAutomated, why: whyInfra},
	{section: secNetwork, text: "Use private networks for database connections", id: "network-security.private-networks", kind: Automated,
		checks: []string{"database.dsn.private", "docker.compose.database-auth", "docker.compose.database-network", "docker.compose.database-ports"}},
	{section: secNetwork, text: "Implement DDoS protection", id: "network-security.ddos", kind: NotAutomated, why: whyInfra},
	{section: secNetwork, text: "Set up VPN for admin access", id: "network-security.vpn", kind: NotAutomated, why: whyInfra},
	{section: secNetwork, text: "Enable intrusion detection", id: "network-security.intrusion-detection", kind: NotAutomated, why: whyInfra},

	// Deployment / Backup & Recovery
	{section: secBackup, text: "Regular database backups (daily)", id: "backup-recovery.daily-backups", kind: NotAutomated,
		why: "postgres.backup.recent serves \"Regular database backups\" under Database Security; a daily schedule across every engine is not verified yet"},
	{section: secBackup, text: "Test restore procedures", id: "backup-recovery.test-restore", kind: NotAutomated,
		why: "proving a restore means running one; no check restores a backup yet"},
	{section: secBackup, text: "Document recovery procedures", id: "backup-recovery.recovery-documented", kind: NotAutomated,
		why: "no document check is configured for recovery procedures yet"},
	{section: secBackup, text: "Store backups in multiple locations", id: "backup-recovery.multiple-locations", kind: NotAutomated,
		why: "backup storage lives outside the files and servers the checks read"},
	{section: secBackup, text: "Implement disaster recovery plan", id: "backup-recovery.disaster-recovery", kind: NotAutomated,
		why: "a disaster recovery plan is proved by a drill, which no check runs"},

	// Performance Optimization / Caching
	{section: secCaching, text: "Implement Redis caching layer", id: "caching.redis", kind: NotAutomated, why: whyCaching},
	{section: secCaching, text: "Cache frequently accessed data", id: "caching.frequent-data", kind: NotAutomated, why: whyCaching},
	{section: secCaching, text: "Set appropriate TTL values", id: "caching.ttl", kind: NotAutomated, why: whyCaching},
	{section: secCaching, text: "Implement cache invalidation strategy", id: "caching.invalidation", kind: NotAutomated, why: whyCaching},

	// Performance Optimization / Database Optimization
	{section: secDBOpt, text: "Add necessary indexes", id: "database-optimization.indexes", kind: Automated,
		checks: []string{"postgres.index.*"}},
	{section: secDBOpt, text: "Optimize slow queries", id: "database-optimization.slow-queries", kind: Automated,
		checks: []string{"postgres.queries.stats", "postgres.queries.slow"}},
	{section: secDBOpt, text: "Implement connection pooling", id: "database-optimization.connection-pooling", kind: Automated,
		checks: []string{"postgres.connections.*"}},
	{section: secDBOpt, text: "Monitor and optimize query plans", id: "database-optimization.query-plans", kind: Automated,
		checks: []string{"postgres.queries.seq-scan", "postgres.queries.plans"}},

	// Performance Optimization / Application Performance
	{section: secAppPerf, text: "Enable gzip compression", id: "application-performance.gzip", kind: Automated,
		checks: []string{"performance.compression.*"}},
	{section: secAppPerf, text: "Implement CDN for static assets", id: "application-performance.cdn", kind: NotAutomated,
		why: "no check inspects how static assets are served yet"},
	{section: secAppPerf, text: "Optimize API response times", id: "application-performance.response-times", kind: Automated,
		checks: []string{"performance.latency.*"}},
	{section: secAppPerf, text: "Implement pagination for large datasets", id: "application-performance.pagination", kind: Automated,
		checks: []string{"performance.pagination.*"}},
	{section: secAppPerf, text: "Use async processing where possible", id: "application-performance.async", kind: NotAutomated,
		why: "where processing may be asynchronous is a design judgement no check can make"},

	// Compliance & Governance
	{section: secCompliance, text: "GDPR compliance (if applicable)", id: "compliance.gdpr", kind: Attested,
		why: "compliance is a legal assessment of how data is processed; a person accountable for it records it"},
	{section: secCompliance, text: "Financial data regulations", id: "compliance.financial-regulations", kind: NotAutomated, why: whyPolicy},
	{section: secCompliance, text: "Audit trail for all transactions", id: "compliance.audit-trail", kind: NotAutomated,
		why: "which records make a transaction's audit trail is the application's own knowledge; no check reads it yet"},
	{section: secCompliance, text: "Data retention policies", id: "compliance.data-retention", kind: NotAutomated, why: whyPolicy},
	{section: secCompliance, text: "Privacy policy documentation", id: "compliance.privacy-policy", kind: Attested,
		why: "whether a published privacy policy matches the service is a legal judgement a person records"},
	{section: secCompliance, text: "Terms of service", id: "compliance.terms-of-service", kind: Attested,
		why: "terms of service are a legal document a person approves and records"},

	// Documentation
	{section: secDocs, text: "API documentation (Swagger/OpenAPI)", id: "documentation.api", kind: Automated,
		checks: []string{"docs.openapi"}},
	{section: secDocs, text: "Architecture documentation", id: "documentation.architecture", kind: Automated,
		checks: []string{"docs.architecture"}},
	{section: secDocs, text: "Runbook for operations", id: "documentation.runbook", kind: Automated,
		checks: []string{"docs.runbook"}},
	{section: secDocs, text: "Incident response procedures", id: "documentation.incident-response", kind: Automated,
		checks: []string{"docs.incident-response"}, fallback: true,
		why: "a document can be checked for content, but that the procedures are known and practised only a person can say"},
	{section: secDocs, text: "On-call rotation schedule", id: "documentation.on-call", kind: Attested,
		why: "the rotation lives in a paging tool no check reads; the person who owns it records it"},
	{section: secDocs, text: "Contact information for support", id: "documentation.support-contacts", kind: NotAutomated,
		why: "no document check is configured for support contacts yet"},

	// Testing
	{section: secTesting, text: "Load testing", id: "testing.load", kind: NotAutomated, why: whyTesting},
	{section: secTesting, text: "Stress testing", id: "testing.stress", kind: NotAutomated, why: whyTesting},
	{section: secTesting, text: "Penetration testing", id: "testing.penetration", kind: NotAutomated, why: whyTesting},
	{section: secTesting, text: "Security vulnerability scanning", id: "testing.vulnerability-scanning", kind: NotAutomated, why: whyTesting},
	{section: secTesting, text: "Integration testing", id: "testing.integration", kind: NotAutomated, why: whyTesting},
	{section: secTesting, text: "End-to-end testing", id: "testing.end-to-end", kind: NotAutomated, why: whyTesting},

	// Pre-Deployment Checklist
	{section: secPreDeploy, text: "All security configurations applied", id: "pre-deployment.security-applied", kind: NotAutomated,
		why: "a summary of the Security Hardening lines; it passes when they do, and is not checked on its own"},
	{section: secPreDeploy, text: "Databases backed up", id: "pre-deployment.databases-backed-up", kind: NotAutomated,
		why: "postgres.backup.recent serves \"Regular database backups\" under Database Security; a backup taken just before this release is not verified"},
	{section: secPreDeploy, text: "Load testing completed", id: "pre-deployment.load-testing", kind: NotAutomated, why: whyTesting},
	{section: secPreDeploy, text: "Monitoring dashboards configured", id: "pre-deployment.dashboards", kind: NotAutomated, why: whyGrafana},
	{section: secPreDeploy, text: "Alerting rules set up", id: "pre-deployment.alerting", kind: NotAutomated, why: whyPrometheus},
	{section: secPreDeploy, text: "Rollback plan documented", id: "pre-deployment.rollback-plan", kind: Automated,
		checks: []string{"docs.rollback-plan"}},
	{section: secPreDeploy, text: "Team notified of deployment", id: "pre-deployment.team-notified", kind: Attested,
		why: "telling the team is a human act; the person who did it records it"},
	{section: secPreDeploy, text: "Maintenance window scheduled (if needed)", id: "pre-deployment.maintenance-window", kind: Attested,
		why: "a maintenance window is agreed between people; the person who scheduled it records it"},
}
