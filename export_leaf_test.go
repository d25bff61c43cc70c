package tooltrail

// The two leaf decoders, for the test that holds them to each other.
var (
	DecodeLeafFast = decodeLeafFast
	DecodeLeafJSON = decodeLeafJSON
)

// Unsalted returns c set to write unsalted leaves (LeafVersion), for the
// benchmark that measures what salts cost.
func Unsalted(c Config) Config {
	c.unsalted = true
	return c
}
