package tooltrail

// The two leaf decoders, for the test that holds them to each other.
var (
	DecodeLeafFast = decodeLeafFast
	DecodeLeafJSON = decodeLeafJSON
)
