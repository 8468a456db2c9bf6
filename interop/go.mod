module github.com/ossdirect/ossdirect/interop

go 1.24

replace github.com/ossdirect/ossdirect => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/ossdirect/ossdirect v0.0.0-00010101000000-000000000000
)

require (
	github.com/alibabacloud-go/debug v1.0.1 // indirect
	github.com/alibabacloud-go/tea v1.5.3 // indirect
	github.com/aliyun/credentials-go v1.4.14
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180228061459-e0a39a4cb421 // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	golang.org/x/net v0.26.0 // indirect
	gopkg.in/ini.v1 v1.67.0 // indirect
)

require (
	github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/time v0.4.0 // indirect
)
