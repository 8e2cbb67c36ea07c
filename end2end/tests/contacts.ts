/** Contact files as other tools write them, generated for the import tests and benchmark. */

/** A LinkedIn Connections.csv of `count` connections, with the preamble, BOM and CRLF. */
export function linkedInExport(count: number): Buffer {
  const lines = [
    "Notes:",
    '"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www.linkedin.com/help/linkedin/answer/261"',
    "",
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
  ];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(4, "0");
    const first = i === 7 ? "<script>alert(1)</script>" : i === 8 ? "Zoë 🎉" : `Person`;
    const email = i % 3 === 0 ? `person${n}@example.org` : "";
    const company = i % 5 === 0 ? `"Acme, Inc."` : `Company ${i % 40}`;
    const date = `${String((i % 28) + 1).padStart(2, "0")} ${months[i % 12]} 20${10 + (i % 15)}`;
    lines.push(
      `${first},${n},https://www.linkedin.com/in/person-${n},${email},${company},Engineer ${i % 7},${date}`,
    );
  }
  return Buffer.from("\uFEFF" + lines.join("\r\n") + "\r\n", "utf8");
}
