package verify

import (
	"testing"

	"github.com/ossdirect/ossdirect/internal/pkcs1md5"
)

// The key size limits are written out in both packages; they must agree.
func TestKeyBitsAgree(t *testing.T) {
	if MinKeyBits != pkcs1md5.MinKeyBits || MaxKeyBits != pkcs1md5.MaxKeyBits {
		t.Errorf("verify's key limits %d..%d differ from pkcs1md5's %d..%d", MinKeyBits, MaxKeyBits, pkcs1md5.MinKeyBits, pkcs1md5.MaxKeyBits)
	}
}
