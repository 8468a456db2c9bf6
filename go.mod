module github.com/ossdirect/ossdirect

go 1.24

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/sync v0.16.0
)
