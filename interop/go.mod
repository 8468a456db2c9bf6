module github.com/ossdirect/ossdirect/interop

go 1.24

replace github.com/ossdirect/ossdirect => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/ossdirect/ossdirect v0.0.0-00010101000000-000000000000
)

require (
	github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/time v0.4.0 // indirect
)
