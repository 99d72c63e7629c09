/* English for the scripts FAB vendors (issue #11): their own words are English already; only the
   placeholder FAB's ab.js hard-codes ("Select a State") is replaced. */
window.backofficeScreenLocale = { code: "en", words: { placeholder: "Select…" } };
