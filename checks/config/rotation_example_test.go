package config_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prodcheck/prodcheck/checks/config"
)

// A key inventory with one key rotated last month and one never rotated
// since last year: the check fails on the old one and names its line.
func ExampleKeyRotation() {
	dir, err := os.MkdirTemp("", "keys")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	inventory := `- name: payments-api
  created_at: 2026-05-02
- name: legacy-partner
  created_at: 2025-11-01T09:30:00Z
`
	if err := os.WriteFile(filepath.Join(dir, "keys.yaml"), []byte(inventory), 0o600); err != nil {
		panic(err)
	}
	now := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }

	c := config.KeyRotation(config.Inventory("keys.yaml", dir, config.InventoryOptions{}), config.KeyRotationOptions{Now: now})
	res := c.Run(context.Background())
	fmt.Println(c.Meta().Name())
	fmt.Println(res.Status, res.Message)
	for _, f := range res.Findings {
		fmt.Println(f)
	}
	// Output:
	// security.keys.rotation [keys.yaml]
	// fail 1 of 2 keys older than 90 days
	// keys.yaml:3 key legacy-partner: key legacy-partner is past the maximum age (expected rotated within 90 days, found created 2025-11-01, 211 days ago)
}
