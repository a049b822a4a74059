package docker

// Checklist sections the docker checks serve (Meta.Section).
const (
	sectionInfra   = "Deployment / Docker & Infrastructure"
	sectionConfig  = "Configuration Management / Configuration Files"
	sectionNetwork = "Deployment / Network Security"
	sectionLogging = "Monitoring & Observability / Logging"
	sectionEnv     = "Configuration Management / Environment Variables"
)
