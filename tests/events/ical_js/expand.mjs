// Reads an iCalendar body on stdin and prints what ical.js (Thunderbird's parser) sees, as
// JSON: the calendar's properties and, per VEVENT, its text properties and the UTC instants
// of its occurrences (series expanded up to the date given as the first argument).
import ICAL from "ical.js";

const until = ICAL.Time.fromDateTimeString(process.argv[2] || "2031-01-01T00:00:00");
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const root = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));
for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}
const text = (component, name) => {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : String(value);
};
const instant = (time) => (time.isDate ? time.toString() : time.toJSDate().toISOString());
const calendar = {};
for (const name of ["name", "x-wr-calname", "x-wr-caldesc", "description"]) {
  calendar[name] = text(root, name);
}
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const occurrences = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.compare(until) < 0; next = iterator.next()) {
    if (!event.isRecurring()) {
      occurrences.push([instant(event.startDate), instant(event.endDate)]);
      break;
    }
    const details = event.getOccurrenceDetails(next);
    occurrences.push([instant(details.startDate), instant(details.endDate)]);
  }
  const result = { occurrences };
  for (const name of ["uid", "summary", "description", "location", "url", "status", "image"]) {
    result[name] = text(vevent, name);
  }
  result.categories = vevent.getAllProperties("categories").flatMap((p) => p.getValues());
  return result;
});
process.stdout.write(JSON.stringify({ calendar, events }));
