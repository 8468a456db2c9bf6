package osstest

import (
	"encoding/xml"
	"errors"
	"testing"
)

// FuzzVersioningConfiguration: any PutBucketVersioning body gives Enabled
// or Suspended, which a VersioningConfiguration of that Status gives back,
// or an error wrapping errMalformedVersioning; never a panic. Seeds:
// testdata/fuzz/FuzzVersioningConfiguration.
func FuzzVersioningConfiguration(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`,
		`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`,
		`<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>`,
		`<VersioningConfiguration/>`, `<Other><Status>Enabled</Status></Other>`, ``, `<`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		status, err := parseVersioning(body)
		if err != nil {
			if !errors.Is(err, errMalformedVersioning) || status != "" {
				t.Fatalf("%q: %q, %v", body, status, err)
			}
			return
		}
		if status != versioningEnabled && status != versioningSuspended {
			t.Fatalf("%q: status %q", body, status)
		}
		again, err := xml.Marshal(versioningConfiguration{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := parseVersioning(again); err != nil || s != status {
			t.Fatalf("%q: %q does not read back: %q, %v", body, again, s, err)
		}
	})
}
