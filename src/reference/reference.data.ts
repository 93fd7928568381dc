// The exchange's reference data, owned by the code and synced into the database at every start.

export const EHR_PLATFORMS = [
  { code: 'EPIC', name: 'Epic', vendor: 'Epic Systems' },
  { code: 'ORACLE_HEALTH', name: 'Oracle Health (Cerner Millennium)', vendor: 'Oracle' },
  { code: 'MEDITECH_EXPANSE', name: 'MEDITECH Expanse', vendor: 'MEDITECH' },
  { code: 'MEDITECH_LEGACY', name: 'MEDITECH MAGIC / C/S / 6.x', vendor: 'MEDITECH' },
  { code: 'TRUBRIDGE', name: 'TruBridge (Thrive / CPSI)', vendor: 'TruBridge' },
  { code: 'ALTERA_SUNRISE', name: 'Altera Sunrise', vendor: 'Altera Digital Health' },
  { code: 'ALTERA_PARAGON', name: 'Altera Paragon', vendor: 'Altera Digital Health' },
  { code: 'MEDHOST', name: 'MEDHOST Enterprise', vendor: 'MEDHOST' },
  { code: 'ATHENAHEALTH', name: 'athenaOne', vendor: 'athenahealth' },
  { code: 'ECLINICALWORKS', name: 'eClinicalWorks', vendor: 'eClinicalWorks' },
  { code: 'NEXTGEN', name: 'NextGen Enterprise', vendor: 'NextGen Healthcare' },
  { code: 'VERADIGM', name: 'Veradigm (Allscripts)', vendor: 'Veradigm' },
  { code: 'OTHER', name: 'Other EHR', vendor: 'Other' },
] as const;

/** HHS regions with their member state codes (US-XX). */
export const HHS_REGIONS: Record<string, { name: string; states: string[] }> = {
  'HHS-1': { name: 'HHS Region 1 (Boston)', states: ['CT', 'ME', 'MA', 'NH', 'RI', 'VT'] },
  'HHS-2': { name: 'HHS Region 2 (New York)', states: ['NJ', 'NY', 'PR'] },
  'HHS-3': { name: 'HHS Region 3 (Philadelphia)', states: ['DE', 'DC', 'MD', 'PA', 'VA', 'WV'] },
  'HHS-4': { name: 'HHS Region 4 (Atlanta)', states: ['AL', 'FL', 'GA', 'KY', 'MS', 'NC', 'SC', 'TN'] },
  'HHS-5': { name: 'HHS Region 5 (Chicago)', states: ['IL', 'IN', 'MI', 'MN', 'OH', 'WI'] },
  'HHS-6': { name: 'HHS Region 6 (Dallas)', states: ['AR', 'LA', 'NM', 'OK', 'TX'] },
  'HHS-7': { name: 'HHS Region 7 (Kansas City)', states: ['IA', 'KS', 'MO', 'NE'] },
  'HHS-8': { name: 'HHS Region 8 (Denver)', states: ['CO', 'MT', 'ND', 'SD', 'UT', 'WY'] },
  'HHS-9': { name: 'HHS Region 9 (San Francisco)', states: ['AZ', 'CA', 'HI', 'NV'] },
  'HHS-10': { name: 'HHS Region 10 (Seattle)', states: ['AK', 'ID', 'OR', 'WA'] },
};

export const STATE_NAMES: Record<string, string> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  PR: 'Puerto Rico',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
};

export const NATIONWIDE = 'NATIONWIDE';

export const SERVICE_CATEGORIES = [
  { code: 'REVENUE_CYCLE', name: 'Revenue cycle management', unit: 'claims', touchesPhi: true },
  { code: 'MEDICAL_CODING', name: 'Medical coding', unit: 'charts', touchesPhi: true },
  { code: 'CALL_CENTER', name: 'Call center and scheduling', unit: 'calls', touchesPhi: true },
  { code: 'ELIGIBILITY_VERIFICATION', name: 'Eligibility verification', unit: 'transactions', touchesPhi: true },
  { code: 'PRIOR_AUTHORIZATION', name: 'Prior authorization', unit: 'transactions', touchesPhi: true },
  { code: 'EHR_IT_SUPPORT', name: 'EHR-specific IT support', unit: 'tickets', touchesPhi: true },
  { code: 'TRANSCRIPTION', name: 'Transcription and documentation', unit: 'lines', touchesPhi: true },
  {
    code: 'CLINICAL_DOCUMENTATION_IMPROVEMENT',
    name: 'Clinical documentation improvement',
    unit: 'charts',
    touchesPhi: true,
  },
  { code: 'REFERRAL_COORDINATION', name: 'Referral coordination', unit: 'referrals', touchesPhi: true },
  { code: 'APPOINTMENT_REMINDERS', name: 'Appointment reminders', unit: 'messages', touchesPhi: true },
  { code: 'AFTER_HOURS_ANSWERING', name: 'After-hours answering', unit: 'calls', touchesPhi: true },
  { code: 'REMOTE_RADIOLOGY', name: 'Remote radiology reads', unit: 'studies', touchesPhi: true },
  { code: 'CHRONIC_CARE_MANAGEMENT', name: 'Chronic care management', unit: 'enrolled patients', touchesPhi: true },
  { code: 'TELEHEALTH', name: 'Telehealth visits', unit: 'visits', touchesPhi: true },
  { code: 'HR_RECRUITMENT', name: 'HR and recruitment', unit: 'requisitions', touchesPhi: false },
  { code: 'CYBERSECURITY', name: 'Cybersecurity monitoring', unit: 'monitored endpoints', touchesPhi: false },
  { code: 'DATA_ANALYTICS', name: 'Data analytics (de-identified)', unit: 'reports', touchesPhi: false },
] as const;

/** ISO 639-1 language codes accepted for `languages`. */
export const LANGUAGE_CODES = new Set(
  (
    'aa ab af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu ' +
    'fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km ' +
    'kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om ' +
    'or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ' +
    'ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);
