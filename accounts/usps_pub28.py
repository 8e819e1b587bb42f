"""USPS Publication 28 (Postal Addressing Standards) tables, carried as data.

Source: USPS Publication 28, Appendix C1 "Street Suffix Abbreviations", Appendix C2
"Secondary Unit Designators" and Section 233 "Directionals" (pe.usps.com/text/pub28).
The C1 rows were taken from the transcription in usaddress-scourgify 0.7.1
(MIT licence, Green Building Registry), checked against Appendix C1 (its COMMONS,
CROSSROADS and TRAILER rows were missing there and are added here), keeping only one-word
suffixes (the library's multi-word route names are not part of C1).

usaddress-scourgify itself is not a dependency: it parses a whole address line with a
statistical model (usaddress's CRF) into line 1 and line 2, where our forms already hold the
house number, street, unit and ZIP apart; it guessed "12 Upper Main St Upper" into the city,
and it keeps the C2 designator typed with a unit, where our premise key drops "Apt"/"#".
The tables are what we need, and they change rarely.
"""

# Appendix C1. One row per suffix: the primary name, the Postal Service standard
# abbreviation, then the other commonly used spellings.
_C1 = """
ALLEY      ALY   ALLEE ALLY
ANNEX      ANX   ANEX ANNX
ARCADE     ARC
AVENUE     AVE   AV AVEN AVENU AVN AVNUE
BAYOU      BYU   BAYOO
BEACH      BCH
BEND       BND
BLUFF      BLF   BLUF
BLUFFS     BLFS
BOTTOM     BTM   BOT BOTTM
BOULEVARD  BLVD  BOUL BOULV
BRANCH     BR    BRNCH
BRIDGE     BRG   BRDGE
BROOK      BRK
BROOKS     BRKS
BURG       BG
BURGS      BGS
BYPASS     BYP   BYPA BYPAS BYPS
CAMP       CP    CMP
CANYON     CYN   CANYN CNYN
CAPE       CPE
CAUSEWAY   CSWY  CAUSWAY
CENTER     CTR   CEN CENT CENTR CENTRE CNTER CNTR
CENTERS    CTRS
CIRCLE     CIR   CIRC CIRCL CRCL CRCLE
CIRCLES    CIRS
CLIFF      CLF
CLIFFS     CLFS
CLUB       CLB
COMMON     CMN
COMMONS    CMNS
CORNER     COR
CORNERS    CORS
COURSE     CRSE
COURT      CT    CRT
COURTS     CTS
COVE       CV
COVES      CVS
CREEK      CRK   CK CR
CRESCENT   CRES  CRECENT CRESENT CRSCNT CRSENT CRSNT
CREST      CRST
CROSSING   XING  CRSSING CRSSNG
CROSSROAD  XRD
CROSSROADS XRDS
CURVE      CURV
DALE       DL
DAM        DM
DIVIDE     DV    DIV DVD
DRIVE      DR    DRIV DRV
DRIVES     DRS
ESTATE     EST
ESTATES    ESTS
EXPRESSWAY EXPY  EXP EXPR EXPRESS EXPW
EXTENSION  EXT   EXTN EXTNSN
EXTENSIONS EXTS
FALL       FALL
FALLS      FLS
FERRY      FRY   FRRY
FIELD      FLD
FIELDS     FLDS
FLAT       FLT
FLATS      FLTS
FORD       FRD
FORDS      FRDS
FORESTS    FRST  FOREST
FORGE      FRG   FORG
FORGES     FRGS
FORK       FRK
FORKS      FRKS
FORT       FT    FRT
FREEWAY    FWY   FREEWY FRWAY FRWY
GARDEN     GDN   GARDN GRDEN GRDN
GARDENS    GDNS  GRDNS
GATEWAY    GTWY  GATEWY GATWAY GTWAY
GLEN       GLN
GLENS      GLNS
GREEN      GRN
GREENS     GRNS
GROVE      GRV   GROV
GROVES     GRVS
HARBOR     HBR   HARB HARBR HRBOR
HARBORS    HBRS
HAVEN      HVN   HAVN
HEIGHTS    HTS   HEIGHT HGTS HT
HIGHWAY    HWY   HIGHWY HIWAY HIWY HWAY
HILL       HL
HILLS      HLS
HOLLOW     HOLW  HLLW HOLLOWS HOLWS
INLET      INLT
ISLAND     IS    ISLND
ISLANDS    ISS   ISLNDS
ISLE       ISLE  ISLES
JUNCTION   JCT   JCTION JCTN JUNCTN JUNCTON
JUNCTIONS  JCTS  JCTNS
KEY        KY
KEYS       KYS
KNOLL      KNL   KNOL
KNOLLS     KNLS
LAKE       LK
LAKES      LKS
LAND       LAND
LANDING    LNDG  LNDNG
LANE       LN    LA LANES
LIGHT      LGT
LIGHTS     LGTS
LOAF       LF
LOCK       LCK
LOCKS      LCKS
LODGE      LDG   LDGE LODG
LOOP       LOOP  LOOPS
MALL       MALL
MANOR      MNR
MANORS     MNRS
MEADOW     MDW
MEADOWS    MDWS  MEDOWS
MEWS       MEWS
MILL       ML
MILLS      MLS
MISSION    MSN   MISSN MSSN
MOTORWAY   MTWY
MOUNT      MT    MNT
MOUNTAIN   MTN   MNTAIN MNTN MOUNTIN MTIN
MOUNTAINS  MTNS  MNTNS
NECK       NCK
ORCHARD    ORCH  ORCHRD
OVAL       OVAL  OVL
OVERPASS   OPAS
PARKS      PARK  PK PRK
PARKWAY    PKWY  PARKWAYS PARKWY PKWAY PKWYS PKY
PASS       PASS
PASSAGE    PSGE
PATHS      PATH
PIKES      PIKE
PINE       PNE
PINES      PNES
PLACE      PL
PLAIN      PLN
PLAINS     PLNS  PLAINES
PLAZA      PLZ   PLZA
POINT      PT
POINTS     PTS
PORT       PRT
PORTS      PRTS
PRAIRIE    PR    PRARIE PRR
RADIAL     RADL  RAD RADIEL
RAMP       RAMP
RANCH      RNCH  RANCHES RNCHS
RAPID      RPD
RAPIDS     RPDS
REST       RST
RIDGE      RDG   RDGE
RIDGES     RDGS
RIVER      RIV   RIVR RVR
ROAD       RD
ROADS      RDS
ROUTE      RTE
ROW        ROW
RUE        RUE
RUN        RUN
SHOAL      SHL
SHOALS     SHLS
SHORE      SHR   SHOAR
SHORES     SHRS  SHOARS
SKYWAY     SKWY
SPRING     SPG   SPNG SPRNG
SPRINGS    SPGS  SPNGS SPRNGS
SPURS      SPUR
SQUARE     SQ    SQR SQRE SQU
SQUARES    SQS   SQRS
STATION    STA   STATN STN
STRAVENUE  STRA  STRAV STRAVE STRAVEN STRAVN STRVN STRVNUE
STREAM     STRM  STREME
STREET     ST    STR STRT
STREETS    STS
SUMMIT     SMT   SUMIT SUMITT
TERRACE    TER   TERR
THROUGHWAY TRWY
TRACE      TRCE  TRACES
TRACK      TRAK  TRACKS TRK TRKS
TRAFFICWAY TRFY
TRAIL      TRL   TR TRAILS TRLS
TRAILER    TRLR  TRAILERS TRLRS
TUNNEL     TUNL  TUNEL TUNLS TUNNELS TUNNL
TURNPIKE   TPKE  TPK TRNPK TRPK TURNPK
UNDERPASS  UPAS
UNION      UN
UNIONS     UNS
VALLEY     VLY   VALLY VLLY
VALLEYS    VLYS
VIADUCT    VIA   VDCT VIADCT
VIEW       VW
VIEWS      VWS
VILLAGE    VLG   VILL VILLAG VILLG VILLIAGE
VILLAGES   VLGS
VILLE      VL
VISTA      VIS   VIST VST VSTA
WALK       WALK  WALKS
WALL       WALL
WAY        WAY   WY
WAYS       WAYS
WELL       WL
WELLS      WLS
"""

# Appendix C2. Designator, standard abbreviation, whether a number or letter must follow.
_C2 = """
APARTMENT  APT   range
BASEMENT   BSMT
BUILDING   BLDG  range
DEPARTMENT DEPT  range
FLOOR      FL    range
FRONT      FRNT
HANGAR     HNGR  range
KEY        KEY   range
LOBBY      LBBY
LOT        LOT   range
LOWER      LOWR
OFFICE     OFC
PENTHOUSE  PH
PIER       PIER  range
REAR       REAR
ROOM       RM    range
SIDE       SIDE
SLIP       SLIP  range
SPACE      SPC   range
STOP       STOP  range
SUITE      STE   range
TRAILER    TRLR  range
UNIT       UNIT  range
UPPER      UPPR
"""

# Section 233: the eight directionals and their one- and two-letter abbreviations.
DIRECTIONALS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip
DIRECTIONALS.update({abbr: abbr for abbr in list(DIRECTIONALS.values())})
# Two directionals written apart ("North West Main St") are the one directional NW.
DIRECTIONAL_PAIRS = {
    ("N", "E"): "NE", ("N", "W"): "NW", ("S", "E"): "SE", ("S", "W"): "SW",
}  # fmt: skip


def _rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.strip().splitlines()]


# Every spelling in C1 -> its standard abbreviation (COVE -> CV, CV -> CV).
STREET_SUFFIXES: dict[str, str] = {}
# Standard abbreviation -> primary name (CV -> COVE).
SUFFIX_NAMES: dict[str, str] = {}
for _primary, _standard, *_others in _rows(_C1):
    SUFFIX_NAMES[_standard] = _primary
    for _form in (_primary, _standard, *_others):
        STREET_SUFFIXES[_form] = _standard

# Every C2 designator and its abbreviation -> the abbreviation (BUILDING -> BLDG).
UNIT_DESIGNATORS: dict[str, str] = {}
UNIT_DESIGNATORS_NEEDING_RANGE: set[str] = set()
for _name, _standard, *_range in _rows(_C2):
    UNIT_DESIGNATORS[_name] = UNIT_DESIGNATORS[_standard] = _standard
    if _range:
        UNIT_DESIGNATORS_NEEDING_RANGE.add(_standard)
