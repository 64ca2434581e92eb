import type { ContactSnapshot } from '@crm/events';

/**
 * What a scoring rule may look at. Attribute rules match the contact as it is now (their points hold
 * while the contact matches, never decay); behaviour rules add points per event (and decay).
 *
 * | field            | kind      | value                                   | matches                                         |
 * |------------------|-----------|-----------------------------------------|-------------------------------------------------|
 * | lifecycleStage   | attribute | the stage (required)                    | the contact's lifecycle stage equals it         |
 * | companyName      | attribute | the company name (required)             | the contact's company name equals it            |
 * | country          | attribute | ISO-2 code (required)                   | the contact's country equals it                 |
 * | tag              | attribute | the tag (required)                      | the contact has the tag                         |
 * | custom.<key>     | attribute | the value (required)                    | the custom field `<key>` equals it              |
 * | emailOpened      | behaviour | none                                    | each first open of a campaign email             |
 * | linkClicked      | behaviour | optional text the URL must contain      | each click on a tracked link                    |
 * | pageVisited      | behaviour | text the visited URL contains (required)| a tracked link to that page was followed        |
 * | formSubmitted    | behaviour | optional form id (a specific form)      | each submission of a form                       |
 *
 * Text comparisons ignore case and surrounding spaces.
 */
export const ATTRIBUTE_FIELDS = ['lifecycleStage', 'companyName', 'country', 'tag'] as const;
export const BEHAVIOUR_FIELDS = ['emailOpened', 'linkClicked', 'pageVisited', 'formSubmitted'] as const;
export type BehaviourField = (typeof BEHAVIOUR_FIELDS)[number];
const CUSTOM = /^custom\.[a-z][a-z0-9_]{0,62}$/;

export type RuleKind = 'attribute' | 'behaviour';

export function kindOfField(field: string): RuleKind | null {
  if ((ATTRIBUTE_FIELDS as readonly string[]).includes(field) || CUSTOM.test(field)) return 'attribute';
  if ((BEHAVIOUR_FIELDS as readonly string[]).includes(field)) return 'behaviour';
  return null;
}

/** Whether a rule of this field needs a value (null: it must have none). */
export function valueRule(field: string): 'required' | 'optional' | 'none' {
  if (field === 'emailOpened') return 'none';
  if (field === 'linkClicked' || field === 'formSubmitted') return 'optional';
  return 'required';
}

export interface ScoringRuleDef {
  id: string;
  name: string;
  kind: RuleKind;
  field: string;
  value: string | null;
  points: number;
}

/** The contact attributes rules look at (from a contact event's snapshot or the replica row). */
export interface ContactAttributes {
  lifecycleStage: string | null;
  companyName: string | null;
  country: string | null;
  tags: string[];
  customFields: Record<string, unknown>;
}

const same = (a: unknown, b: string | null): boolean => a !== null && a !== undefined && b !== null && String(a).trim().toLowerCase() === b.trim().toLowerCase();

export function attributeMatches(rule: ScoringRuleDef, c: ContactAttributes): boolean {
  switch (rule.field) {
    case 'lifecycleStage':
      return same(c.lifecycleStage, rule.value);
    case 'companyName':
      return same(c.companyName, rule.value);
    case 'country':
      return same(c.country, rule.value);
    case 'tag':
      return c.tags.some((t) => same(t, rule.value));
    default:
      return rule.field.startsWith('custom.') && same(c.customFields[rule.field.slice('custom.'.length)], rule.value);
  }
}

/** A behaviour: what happened, with what it is about (the clicked URL, the submitted form). */
export type Behaviour = { field: 'emailOpened' } | { field: 'linkClicked'; url: string } | { field: 'formSubmitted'; formId: string };

/** The behaviour rules an event earns points from (a click counts for linkClicked and pageVisited rules). */
export function behaviourMatches(rule: ScoringRuleDef, b: Behaviour): boolean {
  const contains = (url: string) => !rule.value || url.toLowerCase().includes(rule.value.trim().toLowerCase());
  switch (rule.field) {
    case 'emailOpened':
      return b.field === 'emailOpened';
    case 'linkClicked':
      return b.field === 'linkClicked' && contains(b.url);
    case 'pageVisited':
      return b.field === 'linkClicked' && !!rule.value && contains(b.url);
    case 'formSubmitted':
      return b.field === 'formSubmitted' && (!rule.value || rule.value.toLowerCase() === b.formId.toLowerCase());
    default:
      return false;
  }
}

/** The attributes of a contact snapshot (country and custom fields are optional in the contract: absent, they match nothing). */
export function snapshotAttributes(s: ContactSnapshot): ContactAttributes {
  const primaryAddress = s.addresses?.find((a) => a.primary) ?? s.addresses?.[0];
  return { lifecycleStage: s.lifecycleStage, companyName: s.companyName, country: s.country ?? primaryAddress?.country ?? null, tags: s.tags, customFields: s.customFields ?? {} };
}

/** What a rule earned, for the ledger and LeadScoreChangedV1's reason. */
export function reasonOf(rule: ScoringRuleDef, what: string): string {
  return `${what} — ${rule.name} (${rule.points >= 0 ? '+' : ''}${rule.points})`;
}
