package merchants

import "time"

// Vietnam is the time zone of every day and time SạpQR shows or counts by:
// UTC+7, no daylight saving. Treat it as a constant.
var Vietnam = time.FixedZone("ICT", 7*60*60)
