package policy

import "time"

// STUB: the policy helper replaces this file with real implementations.

func New(expiration time.Time, conds ...Condition) Policy { return Policy{expiration, conds} }
func Eq(field, value string) Condition                    { return Condition{} }
func Exact(field, value string) Condition                 { return Condition{} }
func StartsWith(field, prefix string) Condition           { return Condition{} }
func In(field string, values ...string) Condition         { return Condition{} }
func NotIn(field string, values ...string) Condition      { return Condition{} }
func ContentLengthRange(min, max int64) Condition         { return Condition{} }
func Bucket(name string) Condition                        { return Condition{} }
func Key(key string) Condition                            { return Condition{} }
func KeyPrefix(prefix string) Condition                   { return Condition{} }
func AnyKey() Condition                                   { return Condition{} }
func ContentTypes(types ...string) Condition              { return Condition{} }
func SuccessActionStatus(status int) Condition            { return Condition{} }
func ObjectACL(acl string) Condition                      { return Condition{} }
func Meta(name, value string) Condition                   { return Condition{} }
func ForbidOverwrite() Condition                          { return Condition{} }
func SecurityToken(token string) Condition                { return Condition{} }
func Callback(encoded string) Condition                   { return Condition{} }
func CallbackVar(name, value string) Condition            { return Condition{} }

func (c Condition) String() string                                                   { return "" }
func (p Policy) Validate() error                                                     { return nil }
func (p Policy) MarshalJSON() ([]byte, error)                                        { return nil, nil }
func (p Policy) Encode() (string, error)                                             { return "", nil }
func Decode(encoded string) (*Policy, error)                                         { return nil, nil }
func Parse(doc []byte) (*Policy, error)                                              { return nil, nil }
func (p *Policy) Check(now time.Time, bucket string, fields map[string]string) error { return nil }
func (p *Policy) CheckSize(size int64) error                                         { return nil }
func (p *Policy) SizeRange() (min, max int64, ok bool)                               { return 0, 0, false }
