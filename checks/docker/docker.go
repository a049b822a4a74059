package docker

import "github.com/prodcheck/prodcheck/check"

// Checklist sections the docker checks serve (Meta.Section).
const (
	sectionInfra   = "Deployment / Docker & Infrastructure"
	sectionConfig  = "Configuration Management / Configuration Files"
	sectionNetwork = "Deployment / Network Security"
	sectionLogging = "Monitoring & Observability / Logging"
	sectionEnv     = "Configuration Management / Environment Variables"
)

// dockerMeta is the Meta of a check, tagged docker and kind (compose,
// dockerfile) before tags.
func dockerMeta(kind, id, title, section, item string, sev check.Severity, remediation string, tags []string, refs ...string) check.Meta {
	return check.Meta{
		ID:          id,
		Title:       title,
		Section:     section,
		Item:        item,
		Severity:    sev,
		Tags:        append([]string{"docker", kind}, tags...),
		Remediation: remediation,
		Refs:        refs,
	}
}
