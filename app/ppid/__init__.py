"""The village's public-information desk (UU 14/2008, Perki 1/2018): requests for
information, objections, complaints. ``service`` holds the rules; the citizens' pages
and the PPID's admin pages call it."""
