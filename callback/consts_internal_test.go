package callback

import (
	"testing"

	"github.com/ossdirect/ossdirect/internal/callbackwire"
)

// The body types are written out in both packages; they must agree.
func TestBodyTypesAgree(t *testing.T) {
	if BodyTypeForm != callbackwire.BodyTypeForm || BodyTypeJSON != callbackwire.BodyTypeJSON {
		t.Errorf("callback's body types %q, %q differ from callbackwire's %q, %q", BodyTypeForm, BodyTypeJSON, callbackwire.BodyTypeForm, callbackwire.BodyTypeJSON)
	}
}
