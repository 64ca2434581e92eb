import { CONSENT_FIELD, HONEYPOT_FIELD, UTM_FIELDS, type FormFieldDef } from './form-fields';

/** Text and attribute values into HTML: every character with a meaning in markup is escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const INPUT_TYPE: Record<string, string> = { email: 'email', phone: 'tel' };
const AUTOCOMPLETE: Record<string, string> = { email: 'email', phone: 'tel', firstName: 'given-name', lastName: 'family-name', company: 'organization', country: 'country' };

/**
 * The snippet a marketer pastes into a web page: a plain <form> posting (urlencoded) to the public
 * endpoint, works without JavaScript; a few lines of inline script copy the UTM parameters and the
 * paid keyword from the page's query string into the hidden inputs. Everything from the form's
 * definition is escaped; the script holds no value from it.
 */
export function embedHtml(form: { name: string; fields: FormFieldDef[]; consentText: string }, submitUrl: string): string {
  const id = `crm-form-${Math.abs(hash(submitUrl)).toString(36)}`;
  const lines = [
    `<form id="${id}" method="post" action="${escapeHtml(submitUrl)}" accept-charset="utf-8" aria-label="${escapeHtml(form.name)}">`,
    ...form.fields.map(
      (f) =>
        `  <p><label>${escapeHtml(f.label)}${f.required ? ' *' : ''}<br><input type="${INPUT_TYPE[f.field] ?? 'text'}" name="${escapeHtml(f.field)}"` +
        `${AUTOCOMPLETE[f.field] ? ` autocomplete="${AUTOCOMPLETE[f.field]}"` : ''}${f.required ? ' required' : ''} maxlength="1000"></label></p>`,
    ),
    ...UTM_FIELDS.map((k) => `  <input type="hidden" name="${k}">`),
    // Off-screen rather than display:none: some bots skip inputs that are display:none.
    `  <div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden" aria-hidden="true"><label>Leave this empty <input type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></label></div>`,
    `  <p><label><input type="checkbox" name="${CONSENT_FIELD}" value="yes" required> ${escapeHtml(form.consentText)}</label></p>`,
    `  <p><button type="submit">Submit</button></p>`,
    `</form>`,
    `<script>(function () {`,
    `  var form = document.getElementById(${JSON.stringify(id)}), query = new URLSearchParams(window.location.search);`,
    `  ${JSON.stringify(UTM_FIELDS)}.forEach(function (name) { var v = query.get(name); if (v && form) form.elements[name].value = v.slice(0, 200); });`,
    `})();</script>`,
  ];
  return lines.join('\n');
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}
