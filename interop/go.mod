module github.com/ossdirect/ossdirect/interop

go 1.24

replace github.com/ossdirect/ossdirect => ../

require github.com/ossdirect/ossdirect v0.0.0-00010101000000-000000000000

require github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1 // indirect
