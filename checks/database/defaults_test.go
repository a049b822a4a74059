package database

import (
	"slices"
	"testing"
)

func TestDefaultCredentials(t *testing.T) {
	tests := []struct {
		engine string
		want   []Credential
		min    int
	}{
		{"postgres", []Credential{{"postgres", "postgres"}}, 5},
		{"PostgreSQL", []Credential{{"postgres", "postgres"}}, 5},
		{"mysql", []Credential{{"root", ""}, {"root", "root"}, {"root", "mysql"}}, 8},
		{"mariadb", []Credential{{"root", ""}}, 8},
		{"oracle", []Credential{{"scott", "tiger"}, {"system", "manager"}, {"sys", "change_on_install"}, {"dbsnmp", "dbsnmp"}, {"outln", "outln"}}, 10},
		{"mssql", []Credential{{"sa", ""}}, 1},
		{"redis", []Credential{{"default", "foobared"}}, 1},
		{"mongodb", nil, 0},
		{"nosuch", nil, 0},
	}
	for _, tt := range tests {
		got := DefaultCredentials(tt.engine)
		if len(got) < tt.min || tt.min == 0 && len(got) != 0 {
			t.Errorf("%s: %d credentials, want at least %d", tt.engine, len(got), tt.min)
		}
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: missing %v", tt.engine, w)
			}
		}
	}
	// A fresh copy each time.
	a := DefaultCredentials("postgres")
	a[0].Password = "changed"
	if DefaultCredentials("postgres")[0].Password == "changed" {
		t.Error("DefaultCredentials shares its slice")
	}
}

func TestDefaultFor(t *testing.T) {
	for _, tt := range []struct {
		engine, user, pw string
		want             bool
	}{
		{"oracle", "SCOTT", "TIGER", true},
		{"postgres", "POSTGRES", "postgres", true},
		{"postgres", "postgres", "POSTGRES", false},
		{"mysql", "root", "", true},
		{"mysql", "app", "", false},
	} {
		if got := defaultFor(tt.engine, tt.user, tt.pw); got != tt.want {
			t.Errorf("defaultFor(%s, %s, %s) = %v", tt.engine, tt.user, tt.pw, got)
		}
	}
}
