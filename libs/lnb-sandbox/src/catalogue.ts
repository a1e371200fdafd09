// The fixed fashion world the generator draws from: a brand's products, colours, size runs,
// collections, and the retailers' countries with their currency, VAT rate and address formats.
import { withCheckDigit } from './ean13';
import type { Rng } from './prng';

const APPAREL = ['XS', 'S', 'M', 'L', 'XL'] as const;
const TROUSERS = ['34', '36', '38', '40', '42', '44'] as const;
const DENIM = ['25', '26', '27', '28', '29', '30', '31', '32'] as const;
const SHOES = ['36', '37', '38', '39', '40', '41', '42', '43', '44'] as const;
const ONE_SIZE = ['TU'] as const;

const COLOUR_NAMES = 'BLK Black|NVY Navy|ECR Ecru|CML Camel|KHK Khaki|BRD Burgundy|GRM Grey Melange|SAG Sage|RST Rust|IVR Ivory|CBT Cobalt|CHC Chocolate';
export const COLOURS: readonly { code: string; name: string }[] = COLOUR_NAMES.split('|').map((entry) => ({ code: entry.slice(0, 3), name: entry.slice(4) }));

// [category code, product name, composition, made in, fabric print, wholesale price in EUR cents, sizes]
type ProductRow = [string, string, string, string, string, number, readonly string[]];
const PRODUCT_ROWS: ProductRow[] = [
  ['JKT', 'Cropped Denim Jacket', '100% Organic Cotton', 'Portugal', 'Plain', 8900, APPAREL],
  ['JKT', 'Boxy Wool Jacket', '80% Wool 20% Polyamide', 'Italy', 'Herringbone', 16500, APPAREL],
  ['JKT', 'Quilted Field Jacket', '100% Recycled Polyester', 'Portugal', 'Plain', 12900, APPAREL],
  ['COT', 'Double-Faced Wool Coat', '90% Wool 10% Cashmere', 'Italy', 'Plain', 24500, APPAREL],
  ['COT', 'Belted Trench Coat', '100% Cotton Gabardine', 'France', 'Plain', 21000, APPAREL],
  ['BLZ', 'Single-Breasted Blazer', '100% Virgin Wool', 'Italy', 'Pinstripe', 15900, APPAREL],
  ['SHT', 'Poplin Oversized Shirt', '100% Cotton Poplin', 'Portugal', 'Plain', 5400, APPAREL],
  ['SHT', 'Striped Oxford Shirt', '100% Cotton Oxford', 'Portugal', 'Stripe', 5900, APPAREL],
  ['SHT', 'Silk Camp Collar Shirt', '100% Silk', 'Italy', 'Floral Print', 9800, APPAREL],
  ['DRS', 'Silk Slip Dress', '100% Silk', 'Italy', 'Plain', 11900, APPAREL],
  ['DRS', 'Smocked Midi Dress', '100% Viscose', 'India', 'Floral Print', 7900, APPAREL],
  ['DRS', 'Knitted Polo Dress', '70% Merino Wool 30% Silk', 'Italy', 'Plain', 10900, APPAREL],
  ['KNT', 'Merino Crew Neck', '100% Extra Fine Merino', 'Italy', 'Plain', 6900, APPAREL],
  ['KNT', 'Cable Knit Cardigan', '60% Wool 40% Alpaca', 'Portugal', 'Cable', 9900, APPAREL],
  ['KNT', 'Cashmere Roll Neck', '100% Cashmere', 'Scotland', 'Plain', 17900, APPAREL],
  ['TEE', 'Heavyweight Logo Tee', '100% Organic Cotton Jersey', 'Portugal', 'Logo Print', 2900, APPAREL],
  ['TEE', 'Striped Breton Tee', '100% Cotton Jersey', 'France', 'Stripe', 3400, APPAREL],
  ['TRS', 'Pleated Wide-Leg Trousers', '100% Wool Flannel', 'Italy', 'Plain', 8900, TROUSERS],
  ['TRS', 'Linen Drawstring Trousers', '100% Linen', 'Portugal', 'Plain', 6900, TROUSERS],
  ['JNS', 'Straight Selvedge Jeans', '100% Cotton Selvedge Denim', 'Japan', 'Plain', 9400, DENIM],
  ['JNS', 'Barrel Leg Jeans', '98% Cotton 2% Elastane', 'Tunisia', 'Washed', 7400, DENIM],
  ['SKT', 'Bias-Cut Satin Skirt', '100% Viscose Satin', 'Portugal', 'Plain', 6400, APPAREL],
  ['SKT', 'Pleated Tartan Skirt', '100% Wool', 'Scotland', 'Tartan', 8400, APPAREL],
  ['SNK', 'Leather Court Sneaker', 'Calf Leather, Rubber Sole', 'Portugal', 'Plain', 9900, SHOES],
  ['SNK', 'Suede Runner', 'Suede, Recycled Rubber Sole', 'Vietnam', 'Colour Block', 8400, SHOES],
  ['BAG', 'Leather Tote Bag', '100% Calf Leather', 'Spain', 'Plain', 13900, ONE_SIZE],
  ['BAG', 'Canvas Weekender', '100% Cotton Canvas, Leather Trims', 'France', 'Plain', 11400, ONE_SIZE],
  ['SCF', 'Mohair Scarf', '70% Mohair 30% Silk', 'Scotland', 'Check', 4900, ONE_SIZE],
  ['SCF', 'Silk Twill Square', '100% Silk Twill', 'Italy', 'Paisley Print', 5900, ONE_SIZE],
  ['BLT', 'Leather Belt', '100% Vegetable-Tanned Leather', 'Spain', 'Plain', 3900, ['75', '80', '85', '90', '95']],
];

export interface Product {
  index: number;
  /** e.g. JKT-002: category code and model number. */
  reference: string;
  name: string;
  composition: string;
  madeIn: string;
  fabricPrint: string;
  priceCents: number;
  sizes: readonly string[];
  /** Indices into COLOURS this product is made in. */
  colours: number[];
}

export const PRODUCTS: readonly Product[] = (() => {
  const modelNumbers = new Map<string, number>();
  return PRODUCT_ROWS.map(([category, name, composition, madeIn, fabricPrint, priceCents, sizes], index) => {
    const model = (modelNumbers.get(category) ?? 0) + 1;
    modelNumbers.set(category, model);
    // 7 is coprime with 12, so the four colours of a product are distinct.
    const colours = [0, 1, 2, 3].map((k) => (index * 5 + k * 7) % COLOURS.length);
    return {
      index,
      reference: `${category}-${String(model).padStart(3, '0')}`,
      name,
      composition,
      madeIn,
      fabricPrint,
      priceCents,
      sizes,
      colours,
    };
  });
})();

export function skuOf(product: Product, colour: number, size: string): string {
  return `${product.reference}-${COLOURS[colour].code}-${size}`;
}

/** Every (product, colour, size) gets its own number inside the brand's GS1 company prefix (8 digits). */
export function ean13Of(product: Product, colour: number, sizeIndex: number, gs1CompanyPrefix: string): string {
  const item = product.index * 144 + colour * 12 + sizeIndex;
  return withCheckDigit(gs1CompanyPrefix + String(item).padStart(4, '0'));
}

export const COLLECTIONS = ['SS27 Main', 'SS27 Pre-Collection', 'FW26 Main', 'FW26 Pre-Fall', 'Resort 27', 'Permanent Essentials'] as const;

/** Delivery window of each collection's season, as [start, end] month-day offsets in the invoice year. */
export const COLLECTION_WINDOWS: Record<(typeof COLLECTIONS)[number], [string, string]> = {
  'SS27 Main': ['01-15', '03-31'],
  'SS27 Pre-Collection': ['11-15', '12-31'],
  'FW26 Main': ['07-01', '09-15'],
  'FW26 Pre-Fall': ['05-15', '06-30'],
  'Resort 27': ['10-15', '11-30'],
  'Permanent Essentials': ['01-01', '12-31'],
};

export interface Country {
  code: string;
  currency: 'EUR' | 'GBP' | 'USD';
  /** Domestic VAT rate in percent, as LNB puts it on an invoice. */
  vatRate: number;
  /** Intra-EU B2B sales to a VAT-registered retailer may be reverse charged (0%). */
  eu: boolean;
  cities: readonly string[];
  phonePrefix: string;
  streets: readonly string[];
  zipcode(rng: Rng): string;
  vatNumber(rng: Rng): string | null;
}

const upper = (rng: Rng, count: number): string => Array.from({ length: count }, () => String.fromCharCode(65 + rng.int(0, 25))).join('');

export const COUNTRIES: readonly Country[] = [
  {
    code: 'FR',
    currency: 'EUR',
    vatRate: 20,
    eu: true,
    cities: ['Paris', 'Lyon', 'Bordeaux', 'Marseille', 'Lille', 'Nantes'],
    phonePrefix: '+33 1',
    streets: ['rue de Turenne', 'rue du Faubourg Saint-Honoré', 'rue Sainte-Catherine', 'cours Mirabeau'],
    zipcode: (r) => r.digits(5),
    vatNumber: (r) => `FR${r.digits(11)}`,
  },
  {
    code: 'BE',
    currency: 'EUR',
    vatRate: 21,
    eu: true,
    cities: ['Brussels', 'Antwerp', 'Ghent'],
    phonePrefix: '+32 2',
    streets: ['Rue Antoine Dansaert', 'Kammenstraat', 'Veldstraat'],
    zipcode: (r) => String(r.int(1000, 9999)),
    vatNumber: (r) => `BE0${r.digits(9)}`,
  },
  {
    code: 'DE',
    currency: 'EUR',
    vatRate: 19,
    eu: true,
    cities: ['Berlin', 'Munich', 'Hamburg', 'Cologne'],
    phonePrefix: '+49 30',
    streets: ['Alte Schönhauser Straße', 'Maximilianstraße', 'Neuer Wall'],
    zipcode: (r) => r.digits(5),
    vatNumber: (r) => `DE${r.digits(9)}`,
  },
  {
    code: 'NL',
    currency: 'EUR',
    vatRate: 21,
    eu: true,
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht'],
    phonePrefix: '+31 20',
    streets: ['Haarlemmerstraat', 'Oude Binnenweg', 'Twijnstraat'],
    zipcode: (r) => `${r.int(1000, 9999)} ${upper(r, 2)}`,
    vatNumber: (r) => `NL${r.digits(9)}B01`,
  },
  {
    code: 'IT',
    currency: 'EUR',
    vatRate: 22,
    eu: true,
    cities: ['Milan', 'Rome', 'Florence'],
    phonePrefix: '+39 02',
    streets: ['Corso Garibaldi', 'Via del Babuino', "Via de' Tornabuoni"],
    zipcode: (r) => r.digits(5),
    vatNumber: (r) => `IT${r.digits(11)}`,
  },
  {
    code: 'ES',
    currency: 'EUR',
    vatRate: 21,
    eu: true,
    cities: ['Madrid', 'Barcelona', 'Valencia'],
    phonePrefix: '+34 91',
    streets: ['Calle de Fuencarral', 'Carrer del Rec', 'Calle de Colón'],
    zipcode: (r) => r.digits(5),
    vatNumber: (r) => `ESB${r.digits(8)}`,
  },
  {
    code: 'IE',
    currency: 'EUR',
    vatRate: 23,
    eu: true,
    cities: ['Dublin', 'Cork'],
    phonePrefix: '+353 1',
    streets: ['Drury Street', 'Oliver Plunkett Street'],
    zipcode: (r) => `D${r.digits(2)} ${upper(r, 1)}${r.digits(3)}`,
    vatNumber: (r) => `IE${r.digits(7)}${upper(r, 1)}`,
  },
  {
    code: 'GB',
    currency: 'GBP',
    vatRate: 20,
    eu: false,
    cities: ['London', 'Manchester', 'Edinburgh', 'Bristol'],
    phonePrefix: '+44 20',
    streets: ["Lamb's Conduit Street", 'Marylebone High Street', 'Thomas Street'],
    zipcode: (r) => `${upper(r, 1)}${r.int(1, 20)} ${r.int(1, 9)}${upper(r, 2)}`,
    vatNumber: (r) => `GB${r.digits(9)}`,
  },
  {
    code: 'US',
    currency: 'USD',
    vatRate: 0,
    eu: false,
    cities: ['New York', 'Los Angeles', 'Chicago', 'Austin'],
    phonePrefix: '+1 212',
    streets: ['Orchard Street', 'Abbot Kinney Blvd', 'Armitage Avenue'],
    zipcode: (r) => r.digits(5),
    vatNumber: () => null,
  },
];

/** Every rate the generator puts on a clean document; anything else is an unknown tax rate. */
export const KNOWN_TAX_RATES: readonly number[] = [0, 5.5, 19, 20, 21, 22, 23];
export const UNKNOWN_TAX_RATES: readonly number[] = [7.7, 13, 17.5, 8.1];

/** Wholesale price in a currency, from the EUR price list, rounded to half units as brands do. */
export function priceIn(currency: Country['currency'], eurCents: number): number {
  const rate = currency === 'GBP' ? 0.86 : currency === 'USD' ? 1.12 : 1;
  return Math.round((eurCents * rate) / 50) * 50;
}

export const SHOP_PREFIXES = ['Maison', 'Atelier', 'Boutique', 'Studio', 'Galerie', 'Le Comptoir', 'Concept Store', 'The'] as const;
export const SHOP_NAMES = [
  'Colette',
  'Lumière',
  'Nord',
  'Verde',
  'Aurelia',
  'Linen Room',
  'Marlowe',
  'Ostra',
  'Juniper',
  'Sable',
  'Indigo',
  'Fennel',
  'Harbour',
  'Odette',
  'Kasbah',
  'Wren',
  'Mistral',
  'Basalt',
  'Clementine',
  'Saffron',
  'Tamarind',
  'Vela',
] as const;
export const FIRST_NAMES = [
  'Camille',
  'Léa',
  'Sophie',
  'Emma',
  'Lucas',
  'Hugo',
  'Giulia',
  'Marco',
  'Anna',
  'Jonas',
  'Olivia',
  'James',
  'Sara',
  'Daan',
  'Inès',
  'Noah',
] as const;
export const LAST_NAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Rossi',
  'Müller',
  'Schmidt',
  'de Vries',
  'García',
  'Murphy',
  'Smith',
  'Taylor',
  'Leroy',
  'Conti',
  'Jansen',
] as const;
export const SALES_REPS = ['claire.morel', 'antoine.girard', 'nina.weber', 'tom.baker'] as const;

export const PAYMENT_TERMS = [
  { label: '30 days net', days: 30, depositRate: 0 },
  { label: '60 days end of month', days: 60, depositRate: 0 },
  { label: '30% deposit, balance 30 days after delivery', days: 30, depositRate: 30 },
  { label: 'Payment before shipping', days: 0, depositRate: 100 },
] as const;

export const INCOTERMS = [
  { ref: 'DAP', label: 'Delivered at place' },
  { ref: 'EXW', label: 'Ex works' },
  { ref: 'DDP', label: 'Delivered duty paid' },
] as const;

export type CountryCode = 'FR' | 'BE' | 'DE' | 'NL' | 'IT' | 'ES' | 'IE' | 'GB' | 'US';

/**
 * Who sells: the brand an account's documents come from. Its home country is where it charges its own
 * VAT and ships flat-rate; elsewhere in the EU half its retailers are reverse charged, and a brand outside
 * the EU (or a retailer outside it) zero-rates the export. Same products and collections for every brand.
 */
export interface Brand {
  name: string;
  home: CountryCode;
  /** Where its retailers are: relative weights per country. */
  markets: Partial<Record<CountryCode, number>>;
  /** Bills every retailer in this currency; unset, each retailer in its own country's currency. */
  currency?: Country['currency'];
  /** Sales reps' e-mail domain. */
  domain: string;
  /** Its warehouse city, in the EXW terms of delivery. */
  warehouse: string;
  /** 8 digits inside its country's GS1 range (376 France, 50 UK, 87 Netherlands). */
  gs1CompanyPrefix: string;
}

export const BRANDS = {
  /** The sandbox's brand before accounts: a French house selling across Europe and to the US. */
  fr: {
    name: 'Maison Exemple',
    home: 'FR',
    markets: { FR: 28, BE: 8, DE: 12, NL: 8, IT: 10, ES: 6, IE: 3, GB: 12, US: 13 },
    domain: 'maison-exemple.fr',
    warehouse: 'Paris',
    gs1CompanyPrefix: '37602410',
  },
  /** A UK label selling mostly to GB and Irish retailers, every price list in GBP. */
  uk: {
    name: 'Albion & Wren',
    home: 'GB',
    markets: { GB: 62, IE: 24, FR: 4, NL: 4, DE: 3, US: 3 },
    currency: 'GBP',
    domain: 'albionwren.co.uk',
    warehouse: 'London',
    gs1CompanyPrefix: '50604120',
  },
  /** A Dutch label selling in the Benelux and Germany, every price list in EUR. */
  nl: {
    name: 'Atelier Noord',
    home: 'NL',
    markets: { NL: 40, BE: 20, DE: 20, FR: 8, IT: 4, ES: 4, GB: 4 },
    currency: 'EUR',
    domain: 'ateliernoord.nl',
    warehouse: 'Amsterdam',
    gs1CompanyPrefix: '87123450',
  },
} as const satisfies Record<string, Brand>;
export type BrandKey = keyof typeof BRANDS;
export const BRAND_KEYS = Object.keys(BRANDS) as BrandKey[];
